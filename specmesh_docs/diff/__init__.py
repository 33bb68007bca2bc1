"""`specmesh diff`: what a change to a data product breaks, before it merges."""
