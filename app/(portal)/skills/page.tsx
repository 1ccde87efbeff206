import type { Metadata } from "next";
import { SkillsCatalogue } from "@/components/catalogue/skills-catalogue";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageContext } from "@/lib/security/page-context";

export const metadata: Metadata = { title: "Skills" };

export default async function SkillsPage() {
  const ctx = await requirePageContext("skill:list", "/skills");
  return (
    <div className="space-y-5" data-testid="skills-page">
      <PageHeader title="Skills" description="Instructions and files agents can use in a task (the Agent Skills format)." />
      <SkillsCatalogue canInstall={ctx.permissions.has("skill:install")} />
    </div>
  );
}
