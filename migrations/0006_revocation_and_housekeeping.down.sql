drop trigger if exists users_notify_chat on users;
drop function if exists users_notify_chat();
drop table if exists housekeeping_runs;
drop index if exists ix_jobs_finished_at;

-- Campaigns whose jobs were pruned cannot point at them again: they go with the down migration.
delete from campaign_tasks where job_id is null;
alter table campaign_tasks
    drop constraint campaign_tasks_job_id_fkey,
    add constraint campaign_tasks_job_id_fkey foreign key (job_id) references jobs (id) on delete cascade,
    alter column job_id set not null,
    drop column finished_at,
    drop column failed_count,
    drop column sent_count,
    drop column final_state;

delete from idempotency_keys where request_hash is null;
alter table idempotency_keys alter column request_hash set not null;

alter table refresh_tokens add column revoked_at timestamptz null;
update refresh_tokens t set revoked_at = f.revoked_at
from refresh_token_families f where f.family_id = t.family_id and f.revoked_at is not null;
alter table refresh_tokens drop constraint fk_refresh_tokens_family;
drop table refresh_token_families;
