"""The interfaces the use cases are written against, one module per feature; persistence
implements them. Nothing is re-exported here: an import names the feature it uses."""
