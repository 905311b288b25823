"""The one rich console every command prints through: at least 120 columns
wide even when piped, so tables of metrics stay readable in logs."""
import shutil

from rich.console import Console

console = Console(width=max(shutil.get_terminal_size((120, 24)).columns, 120))
