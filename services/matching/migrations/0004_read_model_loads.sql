-- The read model's load is recorded by the runtime now (read_model_loads, one row per
-- model): a load that completed before stays completed.
INSERT INTO read_model_loads (name, started_at, completed_at)
  SELECT 'people', loaded_at, loaded_at FROM read_model_state
  ON CONFLICT (name) DO NOTHING;
DROP TABLE read_model_state;
