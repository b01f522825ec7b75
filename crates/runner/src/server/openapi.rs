//! The OpenAPI 3 description of the service, served at `GET /openapi.json`. The route test
//! walks every path and method listed here against the live filter tree, so the document
//! cannot drift from the routes.

use serde_json::{json, Value};

fn error_response(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn ok_json(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

fn execute_body() -> Value {
    json!({
        "required": true,
        "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/ExecuteRequest"},
            "example": {"code": "signal = 1 + 1", "timeout_seconds": 30}
        }}
    })
}

/// The document.
pub fn document() -> Value {
    let auth = json!([{"bearer": []}]);
    let common_errors = |v: &mut Value| {
        let r = &mut v["responses"];
        r["403"] = error_response("Host or Origin not allowed");
    };
    let mut paths = json!({
        "/healthz": {"get": {
            "summary": "Liveness: the process is up",
            "responses": {"200": ok_json("Alive", json!({"type": "object", "properties": {"status": {"type": "string"}}}))}
        }},
        "/readyz": {"get": {
            "summary": "Readiness: engine reachable, image present, warm pool filled",
            "responses": {
                "200": ok_json("Ready", json!({"$ref": "#/components/schemas/Readiness"})),
                "503": ok_json("Not ready, with reasons", json!({"$ref": "#/components/schemas/Readiness"}))
            }
        }},
        "/metrics": {"get": {
            "summary": "Prometheus metrics (text exposition format). On this port the token is required; the metrics-only listener (loopback by default) serves them without it unless started with --metrics-token",
            "security": auth,
            "responses": {
                "200": {"description": "Metrics", "content": {"text/plain": {}}},
                "401": error_response("Missing or wrong bearer token")
            }
        }},
        "/openapi.json": {"get": {
            "summary": "This document",
            "responses": {"200": ok_json("OpenAPI 3 document", json!({"type": "object"}))}
        }},
        "/": {"get": {
            "summary": "The strategy editor (static files from web/dist)",
            "responses": {
                "200": {"description": "The editor", "content": {"text/html": {}}},
                "404": {"description": "The editor has not been built; the page says how", "content": {"text/html": {}}}
            }
        }},
        "/v1/info": {"get": {
            "summary": "Version, runtimes, limits and datasets",
            "responses": {"200": ok_json("Server information", json!({"$ref": "#/components/schemas/Info"}))}
        }},
        "/v1/validate": {"post": {
            "summary": "Validate code; nothing runs",
            "description": "Needs the token unless the service runs with --public-validate; then callers without it get a number of validations per address and minute (429 rate_limited beyond). Validations run on a bounded pool: 429 validation_busy when every worker is busy.",
            "security": auth,
            "requestBody": {"required": true, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/ValidateRequest"},
                "example": {"code": "import os\nos.system('id')\n"}
            }}},
            "responses": {
                "200": ok_json("Findings", json!({"$ref": "#/components/schemas/ValidateResponse"})),
                "400": error_response("Invalid body or policy"),
                "401": error_response("Missing or wrong bearer token"),
                "408": error_response("The body did not arrive in time"),
                "413": error_response("Body too large"),
                "415": error_response("Not JSON"),
                "429": error_response("Every validation worker busy, or over the per-address rate; see Retry-After")
            }
        }},
        "/v1/execute": {"post": {
            "summary": "Validate, then run the code in a single-use sandbox container",
            "security": auth,
            "requestBody": execute_body(),
            "responses": {
                "200": ok_json("The execution result (success may be false)", json!({"$ref": "#/components/schemas/ExecutionResult"})),
                "400": error_response("Invalid body, limits, runtime, image or dataset"),
                "401": error_response("Missing or wrong bearer token"),
                "413": error_response("Body too large"),
                "408": error_response("The body did not arrive in time"),
                "415": error_response("Not JSON"),
                "422": ok_json("Rejected by validation; no container was created", json!({"$ref": "#/components/schemas/ExecutionResult"})),
                "429": error_response("Queue full; see Retry-After"),
                "503": error_response("Engine unavailable or shutting down"),
                "504": error_response("Request deadline exceeded")
            }
        }},
        "/v1/execute/stream": {"post": {
            "summary": "Same as /v1/execute, streamed as server-sent events: started, stdout, stderr, stats, then result or error",
            "security": auth,
            "requestBody": execute_body(),
            "responses": {
                "200": {"description": "text/event-stream of events", "content": {"text/event-stream": {}}},
                "400": error_response("Invalid body, limits, runtime, image or dataset"),
                "401": error_response("Missing or wrong bearer token"),
                "413": error_response("Body too large"),
                "408": error_response("The body did not arrive in time"),
                "415": error_response("Not JSON"),
                "422": ok_json("Rejected by validation", json!({"$ref": "#/components/schemas/ExecutionResult"})),
                "429": error_response("Queue full; see Retry-After"),
                "503": error_response("Shutting down")
            }
        }},
        "/v1/containers": {"get": {
            "summary": "Sandbox containers on the engine: managed and orphaned",
            "security": auth,
            "responses": {
                "200": ok_json("Containers", json!({"type": "object", "properties": {
                    "managed": {"type": "array", "items": {"$ref": "#/components/schemas/Container"}},
                    "orphaned": {"type": "array", "items": {"$ref": "#/components/schemas/Container"}}
                }})),
                "401": error_response("Missing or wrong bearer token"),
                "503": error_response("Engine unavailable")
            }
        }},
        "/v1/cleanup": {"post": {
            "summary": "Remove orphaned containers",
            "security": auth,
            "responses": {
                "200": ok_json("What was removed", json!({"type": "object", "properties": {
                    "total": {"type": "integer"}, "removed": {"type": "integer"},
                    "failed": {"type": "array", "items": {"type": "string"}}
                }})),
                "401": error_response("Missing or wrong bearer token"),
                "503": error_response("Engine unavailable")
            }
        }}
    });
    if let (Some(map), serde_json::Value::Object(queue)) =
        (paths.as_object_mut(), super::jobs::openapi_paths())
    {
        map.extend(queue);
    }
    if let Some(map) = paths.as_object_mut() {
        for item in map.values_mut() {
            if let Some(ops) = item.as_object_mut() {
                for op in ops.values_mut() {
                    common_errors(op);
                }
            }
        }
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Stockade",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Validate and run untrusted Python strategies in hardened, single-use Docker containers. Errors are {\"error\": {\"code\", \"message\"}}."
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "The token `stockade serve` prints (or STOCKADE_TOKEN)"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                    "type": "object", "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}}
                }}},
                "ValidateRequest": {"type": "object", "required": ["code"], "properties": {
                    "code": {"type": "string"}, "policy": {"type": "object"}
                }},
                "Position": {"type": "object", "properties": {
                    "line": {"type": "integer"}, "column": {"type": "integer"}, "column_utf16": {"type": "integer"}
                }},
                "Finding": {"type": "object", "properties": {
                    "code": {"type": "string"}, "severity": {"type": "string", "enum": ["error", "warning"]},
                    "message": {"type": "string"}, "help": {"type": "string"},
                    "span": {"type": "object", "properties": {"start": {"type": "integer"}, "end": {"type": "integer"}}},
                    "start": {"$ref": "#/components/schemas/Position"}, "end": {"$ref": "#/components/schemas/Position"}
                }},
                "ValidateResponse": {"type": "object", "required": ["accepted", "total_findings", "findings"], "properties": {
                    "accepted": {"type": "boolean", "description": "No finding (listed or not) is an error"},
                    "total_findings": {"type": "integer", "minimum": 0, "description": "How many findings there are in all"},
                    "findings": {"type": "array", "items": {"$ref": "#/components/schemas/Finding"},
                        "description": "The first findings in source order, at most the server's limit (100 by default); total_findings counts them all"}
                }},
                "ExecuteRequest": {"type": "object", "required": ["code"], "properties": {
                    "code": {"type": "string"},
                    "timeout_seconds": {"type": "number"},
                    "memory_mb": {"type": "integer"},
                    "validate": {"type": "boolean", "default": true},
                    "runtime": {"type": "string", "enum": ["runc", "runsc"]},
                    "image": {"type": "string", "enum": ["default", "modern"],
                        "description": "Image variant: default (Debian's numpy 1.24, pandas 1.5) or modern (numpy 2, pandas 2); see GET /v1/info for those allowed"},
                    "mode": {"type": "string", "enum": ["execute", "strategy"], "default": "execute"},
                    "dataset": {"type": "string"},
                    "wait_for_cleanup": {"type": "boolean", "default": false,
                        "description": "Answer only after the container exited and was removed (exit_code and cleanup_success then set)"}
                }},
                "ExecutionResult": {"type": "object", "properties": {
                    "success": {"type": "boolean"}, "signal": {}, "error": {"type": "string", "nullable": true},
                    "execution_time": {"type": "number"}, "container_id": {"type": "string", "nullable": true},
                    "validated": {"type": "boolean"}, "cleanup_success": {"type": "boolean", "nullable": true,
                        "description": "null: the container was being removed when the answer was sent (see wait_for_cleanup)"}, "logs": {"type": "string"},
                    "exit_code": {"type": "integer", "nullable": true}, "stdout": {"type": "string"}, "stderr": {"type": "string"},
                    "stdout_truncated": {"type": "boolean"}, "stderr_truncated": {"type": "boolean"},
                    "timed_out": {"type": "boolean"}, "oom_killed": {"type": "boolean"},
                    "memory_peak_mb": {"type": "number", "nullable": true}, "killed_reason": {"type": "string", "nullable": true},
                    "image": {"type": "string", "nullable": true}, "runtime": {"type": "string", "nullable": true},
                    "image_variant": {"type": "string", "enum": ["default", "modern"], "nullable": true},
                    "image_versions": {"type": "object", "additionalProperties": {"type": "string"},
                        "description": "Versions of the image's components (python3, numpy, pandas, pyarrow, ...) recorded when it was built"},
                    "findings": {"type": "array", "items": {"type": "object"},
                        "description": "The validator's findings (warnings included) in source order, at most the server's limit (100 by default); error names the first error"}
                }},
                "Readiness": {"type": "object", "properties": {
                    "ready": {"type": "boolean"}, "checks": {"type": "object"}, "reasons": {"type": "array", "items": {"type": "string"}}
                }},
                "Info": {"type": "object", "properties": {
                    "version": {"type": "string"}, "runtimes": {"type": "array", "items": {"type": "string"}},
                    "default_runtime": {"type": "string"}, "limits": {"type": "object"},
                    "images": {"type": "array", "items": {"type": "string"}}, "default_image": {"type": "string"},
                    "allow_unvalidated": {"type": "boolean"}, "datasets": {"type": "array", "items": {"type": "string"}}
                }},
                "Container": {"type": "object", "properties": {
                    "id": {"type": "string"}, "state": {"type": "string"}, "instance": {"type": "string"},
                    "request_id": {"type": "string"}, "created_at": {"type": "integer"}, "owner_alive": {"type": "boolean"}
                }}
            }
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_documented_and_only_those() {
        let doc = document();
        let mut documented: Vec<&str> = doc["paths"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            // Paths with an id are not metric labels.
            .filter(|p| !p.contains('{'))
            .collect();
        documented.sort();
        let mut routes = crate::server::filters::ROUTES.to_vec();
        routes.sort();
        assert_eq!(documented, routes);
    }
}
