-- Background work (CONTRACT section 5): the jobs table that the job runner claims from, and the
-- campaign tasks that fan out into one mail job per recipient.
--
-- A job is a row written in the same transaction as the change that causes it (registration
-- writes the user and its welcome mail together), so no mail is lost when a process dies.
--
-- Life of a job:   queued ──claim──> running ──> succeeded
--                                       │  └───> failed    (permanent error, or out of attempts)
--                                       └──────> retrying ──(run_at passes)──claim──> running …
-- A running job carries its runner (locked_by) and deadline (locked_until). A job still running
-- after its deadline (time limit exceeded, or its runner died) is taken back by the next runner:
-- retrying again, or failed when its attempts are used up.
create table if not exists jobs (
    id bigserial primary key,
    kind varchar(100) not null,
    payload jsonb not null default '{}'::jsonb,
    state varchar(20) not null default 'queued'
        check (state in ('queued', 'running', 'retrying', 'succeeded', 'failed')),
    -- Attempts started so far (counted when claimed).
    attempts integer not null default 0 check (attempts >= 0),
    max_attempts integer not null default 4 check (max_attempts between 1 and 1000),
    -- Not before this time (a retry's backoff, or a job scheduled for later).
    run_at timestamptz not null default now(),
    last_error text null,
    -- The runner holding a running job ("host:pid:token") and the time by which it must be done.
    locked_by varchar(200) null,
    locked_until timestamptz null,
    -- The job that created this one (a campaign's fan-out for its recipients' mails).
    parent_id bigint null references jobs (id) on delete cascade,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    started_at timestamptz null,
    finished_at timestamptz null,
    check ((state = 'running') = (locked_by is not null and locked_until is not null))
);

-- What the claim scans: due jobs in order. Partial, so finished jobs cost the claim nothing.
create index if not exists ix_jobs_due on jobs (run_at, id) where state in ('queued', 'retrying');
-- What the rescue scans: running jobs by deadline.
create index if not exists ix_jobs_running_deadline on jobs (locked_until) where state = 'running';
create index if not exists ix_jobs_parent_id on jobs (parent_id) where parent_id is not null;

-- A runner in --loop mode LISTENs on this channel and is woken at once by new jobs (one
-- notification per inserting statement; delivered when the inserting transaction commits).
create or replace function jobs_notify_inserted() returns trigger language plpgsql as $$
begin
    perform pg_notify('jobs_inserted', '');
    return null;
end;
$$;
drop trigger if exists jobs_inserted on jobs;
create trigger jobs_inserted after insert on jobs for each statement execute function jobs_notify_inserted();

-- POST /api/v1/campaigns/send: one row per campaign, with its fan-out job. The recipients'
-- mails are jobs whose parent_id is that job; the task's status and counts are read from them.
create table if not exists campaign_tasks (
    task_id varchar(36) primary key,
    job_id bigint not null unique references jobs (id) on delete cascade,
    subject varchar(200) not null,
    body text not null,
    recipients jsonb not null,
    recipient_count integer not null check (recipient_count >= 1),
    created_by integer null references users (id) on delete set null,
    created_at timestamptz not null default now()
);
