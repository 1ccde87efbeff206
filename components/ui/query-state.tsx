"use client";

import type { ReactNode } from "react";
import { errorMessage } from "@/lib/client/api";
import { Alert } from "./alert";
import { Button } from "./button";
import { EmptyState } from "./empty-state";
import { SkeletonRows } from "./skeleton";

interface QueryLike {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  refetch: () => unknown;
}

/**
 * The three states every list has besides "here is the data": loading (skeleton), error (with
 * a retry button) and empty. Renders children only when there is something to show.
 */
export function QueryState({
  query,
  isEmpty,
  empty,
  children,
  testId,
  rows = 4,
  loading,
}: {
  query: QueryLike;
  isEmpty?: boolean;
  empty?: { title: string; body?: ReactNode; action?: ReactNode };
  children: ReactNode;
  testId: string;
  rows?: number;
  /** What stands in while loading, when it should have the content's size (default: `rows` grey rows). */
  loading?: ReactNode;
}) {
  if (query.isPending) return loading ?? <SkeletonRows rows={rows} testId={`${testId}-loading`} />;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => query.refetch()} testId={`${testId}-error`} />;
  if (isEmpty && empty)
    return (
      <EmptyState title={empty.title} action={empty.action} testId={`${testId}-empty`}>
        {empty.body}
      </EmptyState>
    );
  return <>{children}</>;
}

export function ErrorState({ error, onRetry, testId }: { error: unknown; onRetry?: () => void; testId?: string }) {
  return (
    <div data-testid={testId}>
      <Alert tone="error">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <span>{errorMessage(error)}</span>
          {onRetry ? (
            <Button variant="secondary" onClick={onRetry} className="py-1" data-testid={testId ? `${testId}-retry` : undefined}>
              Retry
            </Button>
          ) : null}
        </div>
      </Alert>
    </div>
  );
}
