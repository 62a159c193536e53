-- Crash recovery. What the engine has done with each inbound message: 'pending' (stored, not
-- yet answered), 'done' (answered, or deliberately not), 'flagged' (too old to answer after a
-- restart: an agent is asked to). NULL for outbound messages. Messages stored before this
-- migration were processed by the server that stored them.
ALTER TABLE messages ADD COLUMN handling TEXT;
UPDATE messages SET handling = 'done' WHERE direction = 'inbound';
-- The engine looks for pending inbound messages and pending sends of a bot at start.
CREATE INDEX messages_pending_inbound ON messages (bot_id, seq) WHERE handling = 'pending';
CREATE INDEX messages_pending_outbound ON messages (bot_id, seq)
    WHERE direction = 'outbound' AND delivery = 'pending';
-- Since when a customer message waits for a person (the dashboard flags the lead).
ALTER TABLE leads ADD COLUMN unanswered_since timestamptz;
