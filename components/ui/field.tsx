import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from "react";

const CONTROL =
  "block w-full rounded-md border bg-white px-3 py-2 text-sm shadow-sm placeholder:text-slate-400 focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-500/30 disabled:bg-slate-50 disabled:text-slate-500";

interface FrameProps {
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
}

/** What a control inside a frame needs: its id, the ARIA wiring and the border colour. */
interface ControlProps {
  id: string;
  "aria-invalid": boolean;
  "aria-describedby"?: string;
  className: string;
}

/** Label above, hint or error below, wired for screen readers; the control is rendered by `render`. */
function FieldFrame({ label, hint, error, className = "", render }: FrameProps & { className?: string; render: (control: ControlProps) => ReactNode }) {
  const id = useId();
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      {render({
        id,
        "aria-invalid": Boolean(error),
        "aria-describedby": error ? `${id}-error` : hint ? `${id}-hint` : undefined,
        className: `${CONTROL} ${error ? "border-red-400" : "border-slate-300"} ${className}`,
      })}
      {error ? (
        <p id={`${id}-error`} className="text-sm text-red-600">
          {error}
        </p>
      ) : hint ? (
        <p id={`${id}-hint`} className="text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** A labelled <input>. */
export function Field({ label, hint, error, className, ...input }: InputHTMLAttributes<HTMLInputElement> & FrameProps) {
  return <FieldFrame label={label} hint={hint} error={error} className={className} render={(control) => <input {...input} {...control} />} />;
}

/** A labelled <select>. */
export function SelectField({ label, hint, error, className, children, ...select }: SelectHTMLAttributes<HTMLSelectElement> & FrameProps) {
  return (
    <FieldFrame
      label={label}
      hint={hint}
      error={error}
      className={className}
      render={(control) => (
        <select {...select} {...control}>
          {children}
        </select>
      )}
    />
  );
}

/** A labelled <textarea>. */
export function TextareaField({ label, hint, error, className, ...area }: TextareaHTMLAttributes<HTMLTextAreaElement> & FrameProps) {
  return <FieldFrame label={label} hint={hint} error={error} className={className} render={(control) => <textarea {...area} {...control} />} />;
}

/** A compact select for filter bars (still labelled for screen readers). */
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
