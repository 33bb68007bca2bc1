"""`specmesh verify`: does the live estate keep the promises its specs make? The last records of
each owned topic checked against the spec's schemas, the consumer groups that read each topic
checked against its grants. Read-only: no group joined, nothing committed, no value printed."""
