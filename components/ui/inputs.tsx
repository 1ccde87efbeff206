import { useId, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from "react";

const CONTROL =
  "block w-full rounded-md border bg-white px-3 py-2 text-sm shadow-sm placeholder:text-slate-400 focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-500/30 disabled:bg-slate-50 disabled:text-slate-500";

function Described({ id, hint, error }: { id: string; hint?: ReactNode; error?: string }) {
  if (error)
    return (
      <p id={`${id}-error`} className="text-sm text-red-600">
        {error}
      </p>
    );
  if (hint)
    return (
      <p id={`${id}-hint`} className="text-xs text-slate-500">
        {hint}
      </p>
    );
  return null;
}

/** A labelled <select>. */
export function SelectField({ label, hint, error, children, ...select }: SelectHTMLAttributes<HTMLSelectElement> & { label: ReactNode; hint?: ReactNode; error?: string }) {
  const id = useId();
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      <select
        id={id}
        aria-invalid={Boolean(error)}
        aria-describedby={error ? `${id}-error` : hint ? `${id}-hint` : undefined}
        {...select}
        className={`${CONTROL} ${error ? "border-red-400" : "border-slate-300"} ${select.className ?? ""}`}
      >
        {children}
      </select>
      <Described id={id} hint={hint} error={error} />
    </div>
  );
}

/** A labelled <textarea>. */
export function TextareaField({ label, hint, error, ...area }: TextareaHTMLAttributes<HTMLTextAreaElement> & { label: ReactNode; hint?: ReactNode; error?: string }) {
  const id = useId();
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      <textarea
        id={id}
        aria-invalid={Boolean(error)}
        aria-describedby={error ? `${id}-error` : hint ? `${id}-hint` : undefined}
        {...area}
        className={`${CONTROL} ${error ? "border-red-400" : "border-slate-300"} ${area.className ?? ""}`}
      />
      <Described id={id} hint={hint} error={error} />
    </div>
  );
}

/** A compact unlabelled-looking select for filter bars (still labelled for screen readers). */
export function FilterSelect({ label, children, ...select }: SelectHTMLAttributes<HTMLSelectElement> & { label: string }) {
  return (
    <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
      {label}
      <select {...select} className={`${CONTROL} border-slate-300 py-1.5 ${select.className ?? ""}`}>
        {children}
      </select>
    </label>
  );
}
