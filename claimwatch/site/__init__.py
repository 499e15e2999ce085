"""The claims status site: static HTML pages built from the store (claimwatch site; end of each run)."""
