drop table if exists chat_messages;
drop function if exists chat_messages_notify();
