-- The contract's user object has an age; seed databases get it by migrating.
alter table users add column age integer null check (age between 1 and 150);
