-- Only the claim reads PENDING rows, through executions_pending_user_idx (0008). This older index
-- on created_at alone misled the planner whenever its statistics said the queue was empty: it
-- scanned the whole queue through it and sorted, instead of reading one user's oldest few in order.
DROP INDEX IF EXISTS "executions_pending_idx";
