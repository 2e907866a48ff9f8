"""Research code behind bench/ (not shipped in the wheel): the deep-clustering seed reproduction."""
