-- Back to 0006: lists count and sort every row again (as that version expects), search scans.
-- Not safe while the 0007 version runs: its lists read row_counts, which this drops (they would
-- fail until that version is gone). Roll the code back first, then migrate down.

drop index if exists ix_users_full_name_trgm;
drop index if exists ix_users_email_trgm;
drop index if exists ix_users_username_trgm;
drop index if exists ix_items_description_trgm;
drop index if exists ix_items_title_trgm;
create index if not exists ix_items_created_at_id on items (created_at desc, id desc);

drop trigger if exists users_count_truncated on users;
drop trigger if exists users_count_moved on users;
drop trigger if exists users_count_deleted on users;
drop trigger if exists users_count_inserted on users;
drop trigger if exists items_count_truncated on items;
drop trigger if exists items_count_moved on items;
drop trigger if exists items_count_deleted on items;
drop trigger if exists items_count_inserted on items;
drop function if exists row_counts_locate(name, bigint);
drop function if exists row_counts_truncate();
drop function if exists row_counts_move();
drop function if exists row_counts_apply();
drop table if exists row_counts;

-- Created by 0007 when it was missing; left alone when something else still uses it.
do $$
begin
    drop extension if exists pg_trgm;
exception when dependent_objects_still_exist then
    null;
end;
$$;
