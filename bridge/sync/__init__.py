"""The sync core: decisions about tickets and issues (pure), and carrying them out."""

from bridge.compiled import prefer_compiled

prefer_compiled(__path__, __name__)
