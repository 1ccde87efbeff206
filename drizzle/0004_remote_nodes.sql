CREATE TYPE "public"."remote_node_status" AS ENUM('pending', 'approved', 'revoked');--> statement-breakpoint
CREATE TABLE "remote_node_enrolments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"token_hash" text NOT NULL,
	"name" text,
	"labels" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"used_by" uuid
);
--> statement-breakpoint
CREATE TABLE "remote_nodes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"public_key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"status" "remote_node_status" DEFAULT 'pending' NOT NULL,
	"draining" boolean DEFAULT false NOT NULL,
	"labels" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"concurrency" integer DEFAULT 1 NOT NULL,
	"version" text,
	"agents" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"skills" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"connected_to" text,
	"connected_at" timestamp with time zone,
	"last_seen_at" timestamp with time zone,
	"last_ip" text,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "executions" ADD COLUMN "target_node_id" uuid;--> statement-breakpoint
ALTER TABLE "executions" ADD COLUMN "target_labels" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "executions" ADD COLUMN "remote_seq" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "remote_node_enrolments" ADD CONSTRAINT "remote_node_enrolments_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "remote_node_enrolments" ADD CONSTRAINT "remote_node_enrolments_used_by_remote_nodes_id_fk" FOREIGN KEY ("used_by") REFERENCES "public"."remote_nodes"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "remote_nodes" ADD CONSTRAINT "remote_nodes_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "remote_node_enrolments_hash_idx" ON "remote_node_enrolments" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "remote_nodes_key_idx" ON "remote_nodes" USING btree ("public_key");--> statement-breakpoint
CREATE UNIQUE INDEX "remote_nodes_name_idx" ON "remote_nodes" USING btree ("name");--> statement-breakpoint
CREATE INDEX "remote_nodes_pending_idx" ON "remote_nodes" USING btree ("status") WHERE "remote_nodes"."status" = 'pending';--> statement-breakpoint
ALTER TABLE "executions" ADD CONSTRAINT "executions_target_node_id_remote_nodes_id_fk" FOREIGN KEY ("target_node_id") REFERENCES "public"."remote_nodes"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "executions_target_node_idx" ON "executions" USING btree ("target_node_id") WHERE "executions"."target_node_id" is not null;