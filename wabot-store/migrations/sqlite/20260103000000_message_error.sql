-- Why sending a message failed, for a person to read (e.g. the WhatsApp Cloud API's 24-hour
-- customer service window); NULL unless its delivery is 'failed'.
ALTER TABLE messages ADD COLUMN error TEXT;
