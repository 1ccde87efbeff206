import Link from "next/link";

export default function NotFound() {
  return (
    <main className="flex min-h-screen flex-col items-center justify-center gap-3 px-4 text-center" data-testid="not-found">
      <p className="text-sm font-semibold text-brand-600">404</p>
      <h1 className="text-2xl font-semibold text-slate-900">Page not found</h1>
      <p className="text-sm text-slate-500">It doesn&apos;t exist, or your role can&apos;t open it.</p>
      <Link href="/" className="text-sm font-medium text-brand-600 hover:underline">
        Back to the dashboard
      </Link>
    </main>
  );
}
