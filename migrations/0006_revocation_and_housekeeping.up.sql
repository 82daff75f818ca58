-- Correct under races and revocation (issue 10): refresh-token families as rows of their own,
-- users' fate announced to the chat daemons, and what the job runner's housekeeping needs.

-- A family is every refresh token descended from one login. Revoking it (reuse detected,
-- logout, the account deactivated) is a fact of the family: every refresh locks the family's
-- row and checks it, so a token minted in the same instant as the revocation is refused too.
-- expires_at is the latest expiry of its tokens: once it has passed, housekeeping removes the
-- family and its tokens.
create table refresh_token_families (
    family_id varchar(64) primary key,
    user_id integer not null references users (id) on delete cascade,
    expires_at timestamptz not null,
    revoked_at timestamptz null,
    created_at timestamptz not null default now()
);
create index ix_refresh_token_families_user_id on refresh_token_families (user_id);
create index ix_refresh_token_families_expires_at on refresh_token_families (expires_at);

insert into refresh_token_families (family_id, user_id, expires_at, revoked_at, created_at)
select family_id, min(user_id), max(expires_at),
       case when bool_or(revoked_at is not null) then max(revoked_at) end, min(created_at)
from refresh_tokens group by family_id;

alter table refresh_tokens
    add constraint fk_refresh_tokens_family foreign key (family_id)
        references refresh_token_families (family_id) on delete cascade,
    drop column revoked_at;
drop index if exists ix_refresh_tokens_family_id;
create index ix_refresh_tokens_family_id on refresh_tokens (family_id);

-- Idempotency fingerprints are now HMACs keyed with the server's secret (a register body holds a
-- password, so a plain digest of it must not be kept). Digests made before cannot be turned into
-- keyed ones: they are dropped, and a replay of such a key returns its stored answer unchecked.
alter table idempotency_keys alter column request_hash drop not null;
update idempotency_keys set request_hash = null;

-- Campaign results kept on the campaign itself, so its status survives the pruning of its jobs.
alter table campaign_tasks
    add column final_state varchar(10) null check (final_state in ('SUCCESS', 'FAILURE')),
    add column sent_count integer null,
    add column failed_count integer null,
    add column finished_at timestamptz null,
    alter column job_id drop not null,
    drop constraint campaign_tasks_job_id_fkey,
    add constraint campaign_tasks_job_id_fkey foreign key (job_id) references jobs (id) on delete set null;

-- What the pruning scans: finished jobs by the time they finished.
create index ix_jobs_finished_at on jobs (finished_at) where state in ('succeeded', 'failed');

-- What each housekeeping run removed (`JobRunner status` shows the latest).
create table housekeeping_runs (
    id bigserial primary key,
    ran_at timestamptz not null default now(),
    runner varchar(200) not null,
    idempotency_keys integer not null,
    refresh_token_families integer not null,
    campaigns_finalized integer not null,
    jobs integer not null
);

-- The chat daemons close the connections of a user who is deleted or deactivated: every daemon
-- LISTENs on chat_events, and this announces the change there when it commits.
create or replace function users_notify_chat() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' then
        perform pg_notify('chat_events', json_build_object('kind', 'user', 'user_id', old.id, 'state', 'deleted')::text);
    elsif old.is_active and not new.is_active then
        perform pg_notify('chat_events', json_build_object('kind', 'user', 'user_id', new.id, 'state', 'inactive')::text);
    end if;
    return null;
end;
$$;
create trigger users_notify_chat after delete or update of is_active on users
    for each row execute function users_notify_chat();
