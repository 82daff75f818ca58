-- Chat history of the WebSocket daemon (ours: the seed keeps none).
--
-- Every message is a row before anyone sees it. The daemons insert a room's messages under a
-- per-room transaction lock (pg_advisory_xact_lock(<'chat'>, hashtext(room_id))), so within a
-- room ids grow in commit order, which is also the order NOTIFY delivers them in: a client that
-- reconnects with ?since=<last id it saw> misses nothing.
create table if not exists chat_messages (
    id bigserial primary key,
    room_id varchar(64) not null,
    user_id integer not null references users (id) on delete cascade,
    content text not null,
    -- clock_timestamp(): the time of the insert, not of the transaction's start (a daemon
    -- stores several messages of a room in one transaction).
    created_at timestamptz not null default clock_timestamp()
);

-- History and replay read a room's messages by id.
create index if not exists ix_chat_messages_room_id_id on chat_messages (room_id, id);
-- Deleting a user deletes their messages (on delete cascade) without a full scan.
create index if not exists ix_chat_messages_user_id on chat_messages (user_id);

-- Announces each stored message on the channel every daemon LISTENs on, at commit. NOTIFY
-- payloads must stay under 8000 bytes: a larger message is announced by id and read back.
create or replace function chat_messages_notify() returns trigger
language plpgsql as $$
declare
    payload text;
begin
    payload := json_build_object(
        'kind', 'message', 'room', new.room_id, 'id', new.id, 'user_id', new.user_id,
        'content', new.content, 'ts', extract(epoch from new.created_at))::text;
    if octet_length(payload) >= 8000 then
        payload := json_build_object('kind', 'message', 'room', new.room_id, 'id', new.id, 'ref', true)::text;
    end if;
    perform pg_notify('chat_events', payload);
    return null;
end
$$;

create trigger chat_messages_notify after insert on chat_messages
    for each row execute function chat_messages_notify();
