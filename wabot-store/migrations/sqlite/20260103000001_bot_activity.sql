-- `bot_activity`: per bot, the messages and leads created since a time (the dashboard's
-- "today" counts).
CREATE INDEX messages_by_bot_time ON messages (bot_id, created_at);
CREATE INDEX leads_by_workspace_time ON leads (workspace_id, created_at);
