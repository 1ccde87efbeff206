"use client";

import { useSkillsQuery } from "@/lib/client/hooks/use-skills";

/** Checkboxes for the skills the caller may use; nothing is shown when there are none. */
export function SkillsPicker({ value, onChange }: { value: string[]; onChange: (skills: string[]) => void }) {
  const skills = useSkillsQuery();
  const usable = skills.data?.filter((s) => s.usable) ?? [];
  if (skills.isPending) return <p className="text-sm text-slate-500">Loading skills…</p>;
  if (skills.isError || usable.length === 0) return null;
  return (
    <fieldset className="space-y-2">
      <legend className="text-sm font-medium text-slate-700">Skills (optional)</legend>
      <div className="flex flex-wrap gap-2" data-testid="skills-picker">
        {usable.map((s) => {
          const checked = value.includes(s.name);
          return (
            <label key={s.name} title={s.description} className={`flex cursor-pointer items-center gap-2 rounded-full border px-3 py-1 text-sm focus-within:ring-2 focus-within:ring-brand-500/40 ${checked ? "border-brand-500 bg-brand-50 text-brand-700" : "border-slate-300 bg-white text-slate-700"}`}>
              <input type="checkbox" checked={checked} onChange={() => onChange(checked ? value.filter((n) => n !== s.name) : [...value, s.name])} className="accent-brand-600" />
              {s.name}
            </label>
          );
        })}
      </div>
    </fieldset>
  );
}
