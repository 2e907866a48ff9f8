"""Commands about the library itself: scan, photos, status, embeddings."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from album_app.exit_codes import EXIT_INTERRUPTED, EXIT_OK

if TYPE_CHECKING:  # imported where used: onnxruntime is slow to load
    pass
from album_app.cli.common import UserError, command, open_catalog, print_json, stderr_progress, warn


@command("scan", "index photo folders (incremental); progress on stderr")
def cmd_scan(args: argparse.Namespace) -> int:
    from album_app.ingest.reembed import embed_pending
    from album_app.ingest.scan import ScanError, scan
    from album_app.progress import CancelToken, StderrProgress

    cancel = CancelToken()
    show = None if args.quiet else StderrProgress()
    with open_catalog(args, writer=True) as catalog:
        encoder = None
        if not args.no_embed:
            from album_app.models.active import open_active_encoder

            encoder, warnings = open_active_encoder(catalog)
            for message in warnings:
                warn(message)
        try:
            summary = scan(catalog, args.folders, encoder, workers=args.workers, progress=show, cancel=cancel)
            if encoder is not None and not summary.cancelled:
                summary.embedded += embed_pending(catalog, encoder, progress=show, cancel=cancel)
        except KeyboardInterrupt:
            cancel.cancel()
            raise
        except ScanError as error:
            raise UserError(str(error)) from error
    if args.json:
        print_json(summary.as_dict())
    else:
        print(
            f"{summary.found} files: {summary.indexed} indexed"
            f"{f' ({summary.indexed_parts} of them parts of other items)' if summary.indexed_parts else ''}, "
            f"{summary.skipped} skipped, "
            f"{summary.unchanged} unchanged, {summary.missing} missing; {summary.seconds:.1f} s"
        )
        if summary.still_skipped:
            print(f"  {summary.still_skipped} of the unchanged files were skipped before (reasons below)")
        if summary.parts:
            print(f"  {summary.parts} files are parts of other items (Live Photo videos, RAW+JPEG pairs, copies)")
        if summary.unreadable:
            print(f"  {summary.unreadable} known photos could not be read now: kept as they were, read again next scan")
        for folder in summary.excluded_folders:
            print(f"  not scanned: {folder['path']} ({folder['why']})")
        for reason, count in sorted(summary.skip_reasons.items(), key=lambda item: -item[1]):
            print(f"  skipped {count}: {reason}")
    if summary.cancelled:
        warn("scan interrupted; run it again to resume")
        return EXIT_INTERRUPTED
    return EXIT_OK


@command("photos", "list photos with their time, place and camera")
def cmd_photos(args: argparse.Namespace) -> int:
    from album_app.catalog.photos import photo_records

    with open_catalog(args, writer=False) as catalog:
        records = photo_records(catalog, args.status)
    fields = ("path", "display_path", "status", "skip_reason", "media_kind", "taken_at", "time_source", "time_hint",
              "time_hint_source", "lat", "lon", "alt", "camera", "width", "height", "orientation", "format",
              "duration_s", "rating", "keywords", "parts", "part_of", "part_kind", "content_id", "motion_offset",
              "motion_length", "sidecar", "content_hash")
    rows = [{key: record.get(key) for key in fields} for record in records]
    if args.json:
        print_json(rows)
        return EXIT_OK
    for row in rows:
        when = row["taken_at"] or (f"~{row['time_hint']} ({row['time_hint_source']})" if row["time_hint"] else "-")
        place = f"{row['lat']:.5f},{row['lon']:.5f}" if row["lat"] is not None else "-"
        extra = f"  [{row['skip_reason']}]" if row["skip_reason"] else ""
        kind = f" [video {row['duration_s']:.1f} s]" if row["media_kind"] == "video" and row["duration_s"] else ""
        print(f"{row['status']:8} {when:32} {place:22} {row['display_path']}{kind}{extra}")
    return EXIT_OK


@command("status", "catalog path, counts by status, model in use")
def cmd_status(args: argparse.Namespace) -> int:
    from album_app.catalog.codes import active_model
    from album_app.catalog.photos import STATUSES, status_counts

    with open_catalog(args, writer=False) as catalog:
        counts = status_counts(catalog)
        model = active_model(catalog)
        info = {
            "catalog": str(catalog.paths.catalog),
            "schema_version": catalog.schema_version(),
            "counts": {status: counts.get(status, 0) for status in STATUSES},
            "model": {"id": model.id, "path": model.path, "source": model.source} if model else None,
        }
    if args.json:
        print_json(info)
    else:
        counts_text = ", ".join(f"{count} {status}" for status, count in info["counts"].items())
        print(f"catalog: {info['catalog']}\nphotos: {counts_text}")
        print(f"model: {model.id} ({model.source}, {model.path})" if model else "model: none yet")
    return EXIT_OK


@command("embeddings", "write paths, codes and model id to an .npz file")
def cmd_embeddings(args: argparse.Namespace) -> int:
    import numpy as np

    from album_app.catalog.codes import load_codes
    from album_app.catalog.photos import photo_records
    from album_app.ingest.reembed import embed_pending
    from album_app.models.active import open_active_encoder
    from album_app.models.encoder import ModelError

    override = Path(args.model) if args.model else None
    with open_catalog(args, writer=True) as catalog:
        try:
            encoder, warnings = open_active_encoder(catalog, override, activate=override is None)
        except ModelError as error:
            raise UserError(f"{error}; no codes written") from error
        for message in warnings:
            warn(message)
        embed_pending(catalog, encoder, progress=None if args.quiet else stderr_progress())
        ids, codes = load_codes(catalog, encoder.model_id)
        paths_by_id = {record["id"]: record["path"] for record in photo_records(catalog, "indexed")}
    paths = np.array([paths_by_id[i] for i in ids], dtype=str)
    np.savez(args.out, paths=paths, codes=codes, model_id=np.array(encoder.model_id))
    print(f"{len(ids)} codes from model {encoder.model_id} written to {args.out}")
    return EXIT_OK


@command("cluster", "suggest albums (keeps every edit you made)")
def cmd_cluster(args: argparse.Namespace) -> int:
    from album_app.services import clustering as service
    from album_app.services import settings

    with open_catalog(args, writer=True) as catalog:
        if args.album_models:
            catalog.set_setting(settings.ALBUM_MODELS_KEY, args.album_models)
        weights = settings.load_weights(catalog)
        if any(w is not None for w in (args.content_weight, args.time_weight, args.place_weight)):
            from dataclasses import replace

            weights = replace(
                weights,
                **{key: value for key, value in (("content", args.content_weight), ("time", args.time_weight),
                                                  ("place", args.place_weight)) if value is not None},
            )
            settings.save_weights(catalog, weights)
        if args.new_only:
            report = service.update(catalog, weights=weights)
        else:
            report = service.recluster(catalog, method=args.method, k=args.k, weights=weights)
    if args.json:
        print_json(report.__dict__)
    else:
        print(f"{report.albums} albums, {report.unsorted} photos unsorted ({report.method}, {report.photos} photos)")
    return EXIT_OK
