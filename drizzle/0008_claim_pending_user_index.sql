-- The claim's fair pick reads, per user with tasks waiting, only that user's oldest few (one index
-- probe per user) instead of ranking every PENDING row: the same cost with 10 or 10,000 waiting.
-- Building it on a long task history can outlast the app's 30 s statement_timeout: lifted here.
SET LOCAL statement_timeout = 0;--> statement-breakpoint
CREATE INDEX "executions_pending_user_idx" ON "executions" USING btree ("user_id","created_at","id") WHERE "executions"."state" = 'PENDING';
