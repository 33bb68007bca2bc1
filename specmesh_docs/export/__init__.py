"""`specmesh export`: an existing cluster (and registry) -> one AsyncAPI spec per domain."""
