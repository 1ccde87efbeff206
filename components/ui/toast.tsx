"use client";

import Link from "next/link";
import { useSyncExternalStore } from "react";

export interface Toast {
  id: string;
  title: string;
  body?: string;
  href?: string;
  action?: string;
}

// A module-level store: any component can raise a toast without a provider.
let toasts: Toast[] = [];
const listeners = new Set<() => void>();
const emit = () => listeners.forEach((l) => l());

export function showToast(toast: Toast, ttlMs = 12_000): void {
  if (toasts.some((t) => t.id === toast.id)) return;
  toasts = [...toasts.slice(-3), toast];
  emit();
  setTimeout(() => dismissToast(toast.id), ttlMs);
}

export function dismissToast(id: string): void {
  toasts = toasts.filter((t) => t.id !== id);
  emit();
}

const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

/** Toasts in the corner, announced politely to screen readers. */
export function Toaster() {
  const list = useSyncExternalStore(subscribe, () => toasts, () => toasts);
  return (
    <div className="pointer-events-none fixed inset-x-2 bottom-2 z-50 flex flex-col items-end gap-2 sm:inset-x-auto sm:right-4 sm:bottom-4" aria-live="polite" role="status">
      {list.map((t) => (
        <div key={t.id} className="pointer-events-auto w-full max-w-sm rounded-lg border border-amber-300 bg-white p-4 shadow-lg" data-testid="toast">
          <div className="flex items-start justify-between gap-3">
            <p className="text-sm font-semibold text-slate-900">{t.title}</p>
            <button type="button" onClick={() => dismissToast(t.id)} className="-m-1 rounded p-1 text-slate-600 hover:bg-slate-100" aria-label="Dismiss">
              ✕
            </button>
          </div>
          {t.body ? <p className="mt-1 line-clamp-3 break-words text-sm text-slate-700">{t.body}</p> : null}
          {t.href ? (
            <Link href={t.href} onClick={() => dismissToast(t.id)} className="mt-2 inline-block text-sm font-medium text-brand-700 underline" data-testid="toast-link">
              {t.action ?? "Open"}
            </Link>
          ) : null}
        </div>
      ))}
    </div>
  );
}
