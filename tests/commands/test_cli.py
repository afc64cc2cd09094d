"""The CLI's exit codes and its messages for people."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from kb_tools.cli import cli


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_missing_mkdocs_yml_exits_2(tmp_path):
    result = run("check", str(tmp_path))
    assert result.exit_code == 2
    assert "no mkdocs.yml" in result.output
    assert "Traceback" not in result.output


def test_invalid_yaml_exits_2_with_line(tmp_path):
    (tmp_path / "mkdocs.yml").write_text("site_name: x\nplugins: [\n")
    result = run("check", str(tmp_path))
    assert result.exit_code == 2
    assert "mkdocs.yml:" in result.output


def test_unknown_option_exits_2(tmp_path):
    (tmp_path / "mkdocs.yml").write_text("site_name: x\nplugins:\n  - kb:\n      acept: [journal]\n")
    result = run("check", str(tmp_path))
    assert result.exit_code == 2
    assert "plugins.kb.acept: unknown option" in result.output


def test_commercial_can_never_be_accepted(tmp_path):
    (tmp_path / "mkdocs.yml").write_text("site_name: x\nplugins:\n  - kb:\n      accept: [journal, commercial]\n")
    result = run("check", str(tmp_path))
    assert result.exit_code == 2
    assert "commercial" in result.output


def test_bad_format_is_a_usage_error(base_kb):
    assert run("check", str(base_kb), "--format", "xml").exit_code == 2


def test_init_scaffolds_a_kb_that_passes_strict(tmp_path):
    target = tmp_path / "newkb"
    result = run("init", str(target))
    assert result.exit_code == 0, result.output
    check = run("check", str(target), "--strict", "--format", "json")
    assert check.exit_code == 0, check.output
    summary = json.loads(check.output)["summary"]
    assert summary["claims"] >= 1 and summary["errors"] == 0 and summary["warnings"] == 0
    ignored = (target / ".gitignore").read_text().split()
    assert "site/" in ignored and ".kb/" in ignored  # build outputs and caches stay out of the KB's history


def test_init_puts_topic_pages_in_docs_topics(tmp_path):
    target = tmp_path / "newkb"
    assert run("init", str(target)).exit_code == 0
    assert (target / "docs" / "topics" / "example-topic.md").is_file()  # where the editors' guide says
    assert not (target / "docs" / "example-topic.md").exists()
    assert "topics/example-topic.md" in (target / "mkdocs.yml").read_text()


def test_check_inside_a_kb_names_the_kb_folder(base_kb):
    result = run("check", str(base_kb / "docs"))
    assert result.exit_code == 2
    assert f"the KB folder is {base_kb.resolve()}" in result.output
    assert "kb init" not in result.output  # a KB inside the KB is never the advice


def test_init_refuses_to_overwrite(tmp_path):
    assert run("init", str(tmp_path)).exit_code == 0
    again = run("init", str(tmp_path))
    assert again.exit_code == 2
    assert "already exists" in again.output


def test_severity_can_be_configured(base_kb):
    cfg = base_kb / "mkdocs.yml"
    cfg.write_text(cfg.read_text().replace("review_max_age_days: 3650", "review_max_age_days: 1"))
    assert run("check", str(base_kb)).exit_code == 0  # stale-review is a warning
    assert run("check", str(base_kb), "--strict").exit_code == 1
    cfg.write_text(
        cfg.read_text().replace(
            "review_max_age_days: 1", "review_max_age_days: 1\n      severity:\n        stale-review: error"
        )
    )
    assert run("check", str(base_kb)).exit_code == 1


def test_draft_findings_are_reported_but_never_fail(base_kb):
    cfg = base_kb / "mkdocs.yml"
    cfg.write_text(cfg.read_text() + "draft_docs: |\n  drafts/\n")
    (base_kb / "docs" / "drafts").mkdir()
    (base_kb / "docs" / "drafts" / "wip.md").write_text("---\ntitle: WIP\nreviewed: 2026-11-01\n---\n\nUncited.\n")
    result = run("check", str(base_kb), "--strict", "--format", "json")
    data = json.loads(result.output)
    assert result.exit_code == 0
    assert [(f["code"], f["path"], f["line"]) for f in data["draft_findings"]] == [
        ("uncited-claim", "docs/drafts/wip.md", 6)
    ]
    assert data["summary"]["draft_pages"] == 1 and data["summary"]["errors"] == 0
    from kb_tools.check.report import as_text
    from kb_tools.config.kbconfig import load_config
    from kb_tools.pipeline import check_kb

    report = check_kb(load_config(base_kb))
    assert "drafts/wip.md:6" in as_text(report)
    short = as_text(report, drafts=False)
    assert "drafts/wip.md" not in short and "1 draft page (not published, not counted above): 1 error" in short
    assert "(run kb check to list them)" in short


def test_draft_findings_are_labelled_in_every_format(base_kb):
    """A draft's error never reads as a plain "error" beside a summary of 0 errors (issue 22, item 5)."""
    cfg = base_kb / "mkdocs.yml"
    cfg.write_text(cfg.read_text() + "draft_docs: |\n  drafts/\n")
    (base_kb / "docs" / "drafts").mkdir()
    (base_kb / "docs" / "drafts" / "wip.md").write_text("---\ntitle: WIP\nreviewed: 2026-11-01\n---\n\nUncited.\n")
    text = run("check", str(base_kb))
    assert text.exit_code == 0
    lines = text.output.strip().splitlines()
    assert lines[0].startswith("docs/drafts/wip.md:6: draft error uncited-claim: ")
    assert "draft page, not published" in lines[0]
    assert not any(re.match(r"^\S+:\d+: error ", line) for line in lines)
    assert lines[-1].endswith(
        ": 0 errors, 0 warnings; on 1 draft page (not published, not counted above): 1 error, 0 warnings"
    )
    data = json.loads(run("check", str(base_kb), "--format", "json").output)
    assert data["summary"]["errors"] == 0 and data["summary"]["draft_errors"] == 1
    assert data["draft_findings"][0]["draft"] is True and data["findings"] == []
    github = run("check", str(base_kb), "--format", "github").output.splitlines()
    assert github[0].startswith(
        "::notice file=docs/drafts/wip.md,line=6,title=uncited-claim (draft)::draft page, not published: error:"
    )
    assert not any(line.startswith("::error") for line in github)


def test_help_lists_every_verb():
    result = run("--help")
    assert result.exit_code == 0
    assert re.findall(r"^  (\w+) ", result.output, re.M) == ["build", "check", "init", "search", "serve"]


def test_a_kept_check_imports_neither_the_pipeline_nor_the_other_verbs(base_kb):
    import subprocess
    import sys

    code = (
        "import sys\nfrom kb_tools.cli import cli\n"
        f"try:\n    cli(['check', {str(base_kb)!r}])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('kb_tools.pipeline', 'kb_tools.commands.',"
        " 'kb_tools.load.pages', 'whoosh', 'mkdocs'))), file=sys.stderr)"
    )
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "kb_tools.pipeline" in first.stderr  # nothing kept yet: the check ran
    kept = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert kept.stdout == first.stdout
    assert kept.stderr.strip().splitlines()[-1] == "['kb_tools.commands.check']"
