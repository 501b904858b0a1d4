"""Reading raw CRM exports (CSV in any encoding and delimiter, Excel, Parquet)
into canonical tables. Input files are only ever opened for reading."""

from .readers import RawTable, peek, read_raw
from .load import AuditData, load, load_table, preflight

__all__ = ["AuditData", "RawTable", "load", "load_table", "preflight", "peek", "read_raw"]
