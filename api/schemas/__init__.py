"""Response shapes, one module per feature: one pydantic model per response, built from
domain objects and used both for the OpenAPI schema and to write the body
(``api.schemas.common.json_response``). Pydantic serializes in Rust: a 10,000-item job's
body takes less time this way than as hand-built dicts.

The model names are the OpenAPI document's component names: renaming one changes the
contract."""
