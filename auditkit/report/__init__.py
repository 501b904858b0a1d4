"""How results look: number formats per language, escaped HTML tables,
spreadsheet-safe exports, the text catalogue, and nbconvert rendering."""

from .format import Formatter, safe_for_spreadsheet, to_csv
from .text import t

__all__ = ["Formatter", "safe_for_spreadsheet", "t", "to_csv"]
