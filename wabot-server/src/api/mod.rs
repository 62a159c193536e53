//! The REST API under `/api/v1`, declared with poem-openapi.
