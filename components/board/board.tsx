"use client";

import { DndContext, DragOverlay, KeyboardSensor, PointerSensor, closestCorners, pointerWithin, useDraggable, useDroppable, useSensor, useSensors, type CollisionDetection, type DragEndEvent } from "@dnd-kit/core";
import Link from "next/link";
import { useMemo, useState, type ReactNode } from "react";
import { Alert } from "@/components/ui/alert";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { QueryState } from "@/components/ui/query-state";
import { StateBadge } from "@/components/tasks/state-badge";
import { errorMessage } from "@/lib/client/api";
import { useBoardQuery, useMoveBoardTaskMutation, type BoardTask } from "@/lib/client/hooks/use-board";
import { BOARD_COLUMNS, type BoardStatus, type Priority } from "@/lib/client/hooks/use-projects";
import type { Announcements } from "@dnd-kit/core";
import { BoardTaskForm } from "./board-task-form";
import { ExecuteForm } from "./execute-form";

const PRIORITY_TONE: Record<Priority, BadgeTone> = { low: "slate", medium: "blue", high: "amber", urgent: "red" };

/** What is under the pointer (a card beats its column); keyboard drags fall back to the nearest corners. */
const collisionDetection: CollisionDetection = (args) => {
  const within = pointerWithin(args);
  return within.length > 0 ? within : closestCorners(args);
};

type DialogState = { kind: "create"; status: BoardStatus } | { kind: "edit"; task: BoardTask } | { kind: "execute"; task: BoardTask } | null;

/**
 * The project's board: five columns, cards dragged between and within them. A drop asks the
 * server to place the card just above the card it was dropped on (or at the bottom of the
 * column); the board moves at once and rolls back if the server refuses. Every card also has a
 * "Move to" menu, so the board works from the keyboard without dragging.
 */
export function Board({ projectId, canWrite, canExecute }: { projectId: string; canWrite: boolean; canExecute: boolean }) {
  const board = useBoardQuery(projectId);
  const move = useMoveBoardTaskMutation(projectId);
  const [dialog, setDialog] = useState<DialogState>(null);
  const [dragging, setDragging] = useState<BoardTask | null>(null);
  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 5 } }), useSensor(KeyboardSensor));

  const columns = useMemo(() => {
    const byStatus = new Map<BoardStatus, BoardTask[]>(BOARD_COLUMNS.map((c) => [c.status, []]));
    for (const card of board.data ?? []) byStatus.get(card.status)?.push(card);
    for (const list of byStatus.values()) list.sort((a, b) => a.position - b.position);
    return byStatus;
  }, [board.data]);

  function moveCard(card: BoardTask, status: BoardStatus, beforeCard: BoardTask | null) {
    const current = columns.get(status) ?? [];
    const column = current.filter((c) => c.id !== card.id);
    const index = beforeCard ? column.findIndex((c) => c.id === beforeCard.id) : column.length;
    const above = index > 0 ? column[index - 1] : null;
    // Dropped where it already is: nothing to save.
    const nextNow = current[current.findIndex((c) => c.id === card.id) + 1] ?? null;
    if (card.status === status && (nextNow?.id ?? null) === (beforeCard?.id ?? null)) return;
    move.mutate({ id: card.id, status, beforeId: beforeCard?.id ?? null, afterId: above?.id ?? null });
  }

  function onDragEnd(event: DragEndEvent) {
    setDragging(null);
    const card = board.data?.find((c) => c.id === event.active.id);
    const overId = event.over?.id ? String(event.over.id) : null;
    if (!card || !overId) return;
    if (overId.startsWith("column:")) return moveCard(card, overId.slice("column:".length) as BoardStatus, null);
    const target = board.data?.find((c) => c.id === overId);
    if (target && target.id !== card.id) moveCard(card, target.status, target);
  }

  return (
    <div className="space-y-3">
      {move.isError ? <Alert tone="error">Could not move the card: {errorMessage(move.error)}</Alert> : null}
      <QueryState query={board} testId="board" rows={5}>
        <DndContext
          accessibility={{ announcements: announcementsFor(board.data ?? []) }}
          sensors={sensors}
          collisionDetection={collisionDetection}
          onDragStart={(e) => setDragging(board.data?.find((c) => c.id === e.active.id) ?? null)}
          onDragCancel={() => setDragging(null)}
          onDragEnd={onDragEnd}
        >
          <div className="grid gap-3 overflow-x-auto pb-2 md:grid-cols-5" data-testid="board">
            {BOARD_COLUMNS.map((col) => (
              <Column key={col.status} status={col.status} label={col.label} count={columns.get(col.status)?.length ?? 0} onAdd={canWrite ? () => setDialog({ kind: "create", status: col.status }) : undefined}>
                {columns.get(col.status)?.map((card) => (
                  <Card
                    key={card.id}
                    card={card}
                    canWrite={canWrite}
                    canExecute={canExecute}
                    onEdit={() => setDialog({ kind: "edit", task: card })}
                    onExecute={() => setDialog({ kind: "execute", task: card })}
                    onMove={(status) => moveCard(card, status, null)}
                  />
                ))}
              </Column>
            ))}
          </div>
          {/* No drop animation: the card is already in place (optimistic), and a new drag can start at once. */}
          <DragOverlay dropAnimation={null}>{dragging ? <CardBody card={dragging} /> : null}</DragOverlay>
        </DndContext>
      </QueryState>
      <Dialog
        open={dialog !== null}
        onClose={() => setDialog(null)}
        wide={dialog?.kind === "execute"}
        testId="board-dialog"
        title={dialog?.kind === "create" ? "New task" : dialog?.kind === "edit" ? `Edit ${dialog.task.key}` : dialog?.kind === "execute" ? `Execute ${dialog.task.key} with an agent` : ""}
      >
        {dialog?.kind === "create" ? <BoardTaskForm projectId={projectId} status={dialog.status} onDone={() => setDialog(null)} /> : null}
        {dialog?.kind === "edit" ? <BoardTaskForm projectId={projectId} task={dialog.task} onDone={() => setDialog(null)} /> : null}
        {dialog?.kind === "execute" ? <ExecuteForm task={dialog.task} /> : null}
      </Dialog>
    </div>
  );
}

function Column({ status, label, count, onAdd, children }: { status: BoardStatus; label: string; count: number; onAdd?: () => void; children: ReactNode }) {
  const { setNodeRef, isOver } = useDroppable({ id: `column:${status}` });
  return (
    <section
      ref={setNodeRef}
      aria-label={label}
      data-testid={`column-${status}`}
      className={`flex min-h-48 min-w-0 flex-col rounded-lg border p-2 transition-colors ${isOver ? "border-brand-500 bg-brand-50" : "border-slate-200 bg-slate-100/70"}`}
    >
      <header className="mb-2 flex items-center justify-between px-1">
        <h2 className="text-sm font-semibold text-slate-700">
          {label} <span className="font-normal text-slate-500">{count}</span>
        </h2>
        {onAdd ? (
          <button type="button" onClick={onAdd} className="rounded px-1.5 text-lg leading-none text-slate-500 hover:bg-white hover:text-slate-900" aria-label={`Add a task to ${label}`} data-testid={`column-add-${status}`}>
            +
          </button>
        ) : null}
      </header>
      <ul className="flex flex-1 flex-col gap-2">{children}</ul>
    </section>
  );
}

function Card({ card, canWrite, canExecute, onEdit, onExecute, onMove }: { card: BoardTask; canWrite: boolean; canExecute: boolean; onEdit: () => void; onExecute: () => void; onMove: (s: BoardStatus) => void }) {
  const drag = useDraggable({ id: card.id, disabled: !canWrite });
  const drop = useDroppable({ id: card.id });
  return (
    <li
      ref={(node) => {
        drag.setNodeRef(node);
        drop.setNodeRef(node);
      }}
      data-testid="board-card"
      data-card-key={card.key}
      id={`card-${card.key}`}
      className={`rounded-md ${drag.isDragging ? "opacity-40" : ""} ${drop.isOver && !drag.isDragging ? "border-t-2 border-brand-500 pt-1" : ""}`}
    >
      <div {...drag.listeners} {...drag.attributes} className={canWrite ? "cursor-grab active:cursor-grabbing" : ""} aria-roledescription="draggable card" aria-label={`${card.key} ${card.title}`}>
        <CardBody card={card} />
      </div>
      <div className="-mt-1 flex flex-wrap items-center gap-1 rounded-b-md border border-t-0 border-slate-200 bg-white px-2 pb-2 pt-1">
        {canWrite ? (
          <Button variant="ghost" className="px-1.5 py-0.5 text-xs" onClick={onEdit} data-testid="card-edit">
            Edit
          </Button>
        ) : null}
        {canExecute ? (
          <Button variant="ghost" className="px-1.5 py-0.5 text-xs text-brand-700" onClick={onExecute} data-testid="card-execute">
            ▶ Execute
          </Button>
        ) : null}
        {canWrite ? (
          <label className="ml-auto">
            <span className="sr-only">Move {card.key} to</span>
            <select value={card.status} onChange={(e) => onMove(e.target.value as BoardStatus)} className="rounded border border-slate-200 bg-white px-1 py-0.5 text-xs text-slate-600" data-testid="card-move">
              {BOARD_COLUMNS.map((c) => (
                <option key={c.status} value={c.status}>
                  {c.label}
                </option>
              ))}
            </select>
          </label>
        ) : null}
      </div>
    </li>
  );
}

function CardBody({ card }: { card: BoardTask }) {
  return (
    <div className="rounded-t-md border border-b-0 border-slate-200 bg-white p-2.5 shadow-sm">
      <div className="flex items-center justify-between gap-2">
        <span className="font-mono text-xs text-slate-500">{card.key}</span>
        <Badge tone={PRIORITY_TONE[card.priority]}>{card.priority}</Badge>
      </div>
      <p className="mt-1 break-words text-sm font-medium text-slate-900" data-testid="card-title">
        {card.title}
      </p>
      {card.last_execution ? (
        <Link href={`/tasks/${card.last_execution.task_id}`} className="mt-2 flex items-center gap-1.5 text-xs text-slate-500 hover:text-brand-700" onPointerDown={(e) => e.stopPropagation()}>
          <StateBadge state={card.last_execution.state} testId="card-execution-state" />
          <span>{card.last_execution.agent_type}</span>
        </Link>
      ) : null}
      {card.pull_request ? (
        <a
          href={card.pull_request.url}
          target="_blank"
          rel="noreferrer"
          className="mt-1 block text-xs font-medium text-brand-700 hover:underline"
          onPointerDown={(e) => e.stopPropagation()}
          data-testid="card-pull-request"
        >
          Pull request #{card.pull_request.number} ({card.pull_request.state})
        </a>
      ) : null}
    </div>
  );
}

/** Screen-reader announcements while dragging, naming cards by key and title and columns by label (not ids). */
function announcementsFor(cards: BoardTask[]): Announcements {
  const name = (id: string | number | undefined) => {
    const card = cards.find((c) => c.id === id);
    if (card) return `${card.key} “${card.title}”`;
    return BOARD_COLUMNS.find((c) => c.status === id)?.label ?? "the board";
  };
  return {
    onDragStart: ({ active }) => `Picked up ${name(active.id)}.`,
    onDragOver: ({ active, over }) => (over ? `${name(active.id)} is over ${name(over.id)}.` : `${name(active.id)} is no longer over a column.`),
    onDragEnd: ({ active, over }) => (over ? `${name(active.id)} was dropped on ${name(over.id)}.` : `${name(active.id)} was dropped.`),
    onDragCancel: ({ active }) => `Moving ${name(active.id)} was cancelled.`,
  };
}
