drop table if exists campaign_tasks;
drop trigger if exists jobs_inserted on jobs;
drop table if exists jobs;
drop function if exists jobs_notify_inserted();
