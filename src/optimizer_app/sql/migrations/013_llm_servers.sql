-- What `optimizer-app llm-check` found an LLM server able to do (llm/probe.py: structured-output
-- modes, the output limit it honours, whether it serves one request at a time), per base URL and
-- model, so that every worker process starts from it instead of finding it out by failing.
CREATE TABLE llm_servers (
    base_url     text NOT NULL,
    model        text NOT NULL,
    capabilities jsonb NOT NULL,
    probed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (base_url, model)
);
