CREATE TABLE "task_workspaces" (
	"execution_id" uuid PRIMARY KEY NOT NULL,
	"workspace_id" uuid NOT NULL,
	"start_head" text NOT NULL,
	"start_snapshot" text NOT NULL,
	"end_head" text,
	"end_snapshot" text,
	"pull_request" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workspaces" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"path" text NOT NULL,
	"git_dir" text,
	"repo_path" text,
	"user_id" uuid NOT NULL,
	"session_id" uuid,
	"project_id" uuid,
	"branch" text,
	"base_branch" text,
	"base_commit" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone DEFAULT now() NOT NULL,
	"removed_at" timestamp with time zone,
	"removal_reason" text
);
--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "pull_request" jsonb;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "default_branch" text;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "repo_credential_encrypted" text;--> statement-breakpoint
ALTER TABLE "task_workspaces" ADD CONSTRAINT "task_workspaces_execution_id_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."executions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_workspaces" ADD CONSTRAINT "task_workspaces_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspaces" ADD CONSTRAINT "workspaces_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspaces" ADD CONSTRAINT "workspaces_session_id_runtime_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."runtime_sessions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspaces" ADD CONSTRAINT "workspaces_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "task_workspaces_workspace_idx" ON "task_workspaces" USING btree ("workspace_id");--> statement-breakpoint
CREATE INDEX "workspaces_session_idx" ON "workspaces" USING btree ("session_id");--> statement-breakpoint
CREATE INDEX "workspaces_last_used_idx" ON "workspaces" USING btree ("last_used_at");