-- The audit browser's indexes cover sealed rows only (every listing query says seq is not null):
-- an audited write's INSERT now touches just the primary key and the unsealed index; the sealer's
-- UPDATE adds the row to the rest. occurred_at is carried in each (filter, seq) index so a time
-- window is checked inside the index. Hand-written: INCLUDE ("occurred_at") on the unique seq
-- index (uniqueness stays on seq alone; drizzle's schema cannot express INCLUDE).
-- Building them on a large trail can outlast the app's 30 s statement_timeout: lifted for this
-- transaction. Audited writes wait (lock_timeout) while the indexes build.
SET LOCAL statement_timeout = 0;--> statement-breakpoint
DROP INDEX "audit_events_seq_idx";--> statement-breakpoint
DROP INDEX "audit_events_actor_idx";--> statement-breakpoint
DROP INDEX "audit_events_session_idx";--> statement-breakpoint
DROP INDEX "audit_events_type_idx";--> statement-breakpoint
DROP INDEX "audit_events_resource_idx";--> statement-breakpoint
DROP INDEX "audit_events_time_idx";--> statement-breakpoint
CREATE INDEX "audit_events_actor_type_idx" ON "audit_events" USING btree ("actor_user_id","event_type","seq","occurred_at") WHERE "audit_events"."seq" is not null;--> statement-breakpoint
CREATE INDEX "audit_events_outcome_idx" ON "audit_events" USING btree ("outcome","seq","occurred_at") WHERE "audit_events"."seq" is not null and "audit_events"."outcome" <> 'success';--> statement-breakpoint
CREATE INDEX "audit_events_actor_time_idx" ON "audit_events" USING btree ("actor_user_id","occurred_at","seq") WHERE "audit_events"."seq" is not null;--> statement-breakpoint
CREATE INDEX "audit_events_type_time_idx" ON "audit_events" USING btree ("event_type","occurred_at","seq") WHERE "audit_events"."seq" is not null;--> statement-breakpoint
CREATE INDEX "audit_events_outcome_time_idx" ON "audit_events" USING btree ("outcome","occurred_at","seq") WHERE "audit_events"."seq" is not null and "audit_events"."outcome" <> 'success';--> statement-breakpoint
CREATE UNIQUE INDEX "audit_events_seq_idx" ON "audit_events" USING btree ("seq") INCLUDE ("occurred_at") WHERE "audit_events"."seq" is not null;--> statement-breakpoint
CREATE INDEX "audit_events_actor_idx" ON "audit_events" USING btree ("actor_user_id","seq","occurred_at") WHERE "audit_events"."seq" is not null;--> statement-breakpoint
CREATE INDEX "audit_events_session_idx" ON "audit_events" USING btree ("session_id","seq","occurred_at") WHERE "audit_events"."seq" is not null;--> statement-breakpoint
CREATE INDEX "audit_events_type_idx" ON "audit_events" USING btree ("event_type","seq","occurred_at") WHERE "audit_events"."seq" is not null;--> statement-breakpoint
CREATE INDEX "audit_events_resource_idx" ON "audit_events" USING btree ("resource_type","resource_id","seq","occurred_at") WHERE "audit_events"."seq" is not null;--> statement-breakpoint
CREATE INDEX "audit_events_time_idx" ON "audit_events" USING btree ("occurred_at","seq") WHERE "audit_events"."seq" is not null;