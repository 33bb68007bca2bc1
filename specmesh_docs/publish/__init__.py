"""`specmesh catalog export`: the estate published to the catalogue an organisation already has
(Backstage entities, DataHub metadata change proposals, or catalog.json), from the same model
as the portal."""
