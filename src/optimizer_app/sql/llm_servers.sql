-- What a capability probe found per LLM server (llm_servers.py).

-- name: save_capabilities
-- Keep the latest probe of model $2 at base URL $1.
-- params: $1 base_url, $2 model, $3 capabilities
INSERT INTO llm_servers (base_url, model, capabilities) VALUES ($1, $2, $3)
ON CONFLICT (base_url, model) DO UPDATE SET capabilities = EXCLUDED.capabilities, probed_at = now()

-- name: find_capabilities
-- The latest probe of model $2 at base URL $1, if any.
-- params: $1 base_url, $2 model
SELECT capabilities FROM llm_servers WHERE base_url = $1 AND model = $2
