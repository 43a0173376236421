"""The read-only JSON API (views), its OpenAPI document (schema) and the shapes it shares with
the exports (serialize, params)."""
