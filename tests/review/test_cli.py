"""`yanxun review aggregate|assign`: golden output, bad input (exit 2, Chinese, no OUT)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from yanxun.cli import main as yanxun_main
from yanxun.review.cli import main

GOLDEN = Path(__file__).parent / "golden"


def run(args, capsys):
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write(tmp_path, text, name="scores.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_golden(tmp_path, capsys):
    out = tmp_path / "out.json"
    code, stdout, err = run(["aggregate", GOLDEN / "scores.csv", "--json", out], capsys)
    assert (code, err) == (0, "")
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(
        (GOLDEN / "expected.json").read_text(encoding="utf-8")
    )
    assert stdout.startswith(f"已汇总 4 件作品、3 位评委（方法：mean），结果写入 {out}\n")


def test_routed_through_the_yanxun_console_script(tmp_path, capsys):
    out = tmp_path / "out.json"
    argv = ["yanxun", "review", "aggregate", str(GOLDEN / "scores.csv"), "--json", str(out)]
    assert yanxun_main(argv) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["entries"][0] == {
        "entry": "E1",
        "n_scores": 3,
        "final": 9.0,
        "rank": 1,
    }


@pytest.mark.slow
def test_runs_without_starting_django(tmp_path):
    out = tmp_path / "out.json"
    script = (
        "import sys; from yanxun.cli import main; "
        f"code = main(['yanxun', 'review', 'aggregate', {str(GOLDEN / 'scores.csv')!r}, "
        f"'--json', {str(out)!r}]); print(code, 'django' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[-1] == "0 False"


def test_trimmed_method(tmp_path, capsys):
    rows = "entry,judge,score\n" + "".join(
        f"E1,J{i},{s}\n" for i, s in enumerate([70, 80, 85, 90, 99])
    )
    rows += "".join(f"E2,J{i},{s}\n" for i, s in enumerate([60, 70, 80, 98]))
    out = tmp_path / "out.json"
    code, _, _ = run(["aggregate", write(tmp_path, rows), "--method", "trimmed", "--json", out], capsys)  # fmt: skip
    entries = json.loads(out.read_text(encoding="utf-8"))["entries"]
    assert code == 0
    assert [(e["entry"], e["final"], e["rank"]) for e in entries] == [("E1", 85.0, 1), ("E2", 77.0, 2)]  # fmt: skip
    run(["aggregate", write(tmp_path, rows), "--method", "trimmed", "--trim-min", "4", "--json", out], capsys)  # fmt: skip
    entries = json.loads(out.read_text(encoding="utf-8"))["entries"]
    assert [e["final"] for e in entries] == [85.0, 75.0]


def test_zscore_method_flags_judges_given_z_zero(tmp_path, capsys):
    rows = "entry,judge,score\nE1,P,80\nE2,P,90\nE2,Q,70\nE3,Q,60\nE3,R,75\n"
    out = tmp_path / "out.json"
    code, _, _ = run(["aggregate", write(tmp_path, rows), "--method", "zscore", "--json", out], capsys)  # fmt: skip
    report = json.loads(out.read_text(encoding="utf-8"))
    assert code == 0
    assert [(e["entry"], e["final"], e["rank"]) for e in report["entries"]] == [
        ("E2", 85.0, 1),
        ("E3", 70.0, 2),
        ("E1", 65.0, 3),
    ]
    assert report["flags"]["judges"] == [{"judge": "R", "reasons": ["zscore_fallback"]}]
    assert report["icc"] == dict.fromkeys(["icc1", "icc2", "icc3", "icc1k", "icc2k", "icc3k"])


def test_empty_score_means_not_scored_and_ties_share_rank(tmp_path, capsys):
    rows = "entry,judge,score\nA,J1,80\nA,J2,90\nB,J1,85\nB,J2,85\nC,J1,\nC,J2,\n"
    out = tmp_path / "out.json"
    assert run(["aggregate", write(tmp_path, rows), "--json", out], capsys)[0] == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["entries"] == [
        {"entry": "A", "n_scores": 2, "final": 85.0, "rank": 1},
        {"entry": "B", "n_scores": 2, "final": 85.0, "rank": 1},
        {"entry": "C", "n_scores": 0, "final": None, "rank": None},
    ]
    # the design over scored entries A, B is complete; icc defined (2 entries x 2 judges)
    # A: row mean 85, B: 85 -> BMS 0 -> icc1k = (0 - WMS)/0 is null
    assert report["icc"]["icc1k"] is None


def test_gbk_file_from_excel(tmp_path, capsys):
    rows = "entry,judge,score\n语文一,张老师,88\n语文一,李老师,90\n"
    out = tmp_path / "out.json"
    code, _, _ = run(["aggregate", write(tmp_path, rows, encoding="gbk"), "--json", out], capsys)  # fmt: skip
    assert code == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["entries"] == [{"entry": "语文一", "n_scores": 2, "final": 89.0, "rank": 1}]
    assert [j["judge"] for j in report["judges"]] == ["张老师", "李老师"]


def test_bom_spaces_and_column_case_are_accepted(tmp_path, capsys):
    rows = "\ufeffEntry , Judge,SCORE\n E1 , A , 7.5 \n\nE1,B,8.5\n"
    out = tmp_path / "out.json"
    assert run(["aggregate", write(tmp_path, rows), "--json", out], capsys)[0] == 0
    assert json.loads(out.read_text(encoding="utf-8"))["entries"][0]["final"] == 8.0


BAD_INPUT = [
    ("entry,judge\nE1,A\n", "错误：文件 {path} 缺少列：score（需要 entry, judge, score）"),
    ("entry,judge,score\nE1,A,8\nE1,B,八十\n", "错误：第 3 行：评分“八十”不是数字"),
    ("entry,judge,score\nE1,A,8\nE1,B,nan\n", "错误：第 3 行：评分“nan”不是有效数字"),
    ("entry,judge,score\nE1,A,8\nE2,A,7\n\nE1,A,9\n", "错误：第 5 行：作品 E1 与评委 A 的评分重复（第 2 行已有）"),
    ("", "错误：文件 {path} 为空"),
    ("\n  \n", "错误：文件 {path} 为空"),
    ("entry,judge,score\n", "错误：文件 {path} 只有表头，没有数据"),
    ("entry,judge,score\nE1,,8\n", "错误：第 2 行：缺少评委编号（judge 列为空）"),
    ("entry,judge,score\n,A,8\n", "错误：第 2 行：缺少作品编号（entry 列为空）"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), BAD_INPUT)
def test_bad_input_exits_2_with_chinese_message_and_no_output(tmp_path, capsys, text, message):
    path = write(tmp_path, text)
    out = tmp_path / "out.json"
    code, stdout, err = run(["aggregate", path, "--json", out], capsys)
    assert (code, stdout, err) == (2, "", message.format(path=path) + "\n")
    assert list(tmp_path.iterdir()) == [path]


def test_missing_file(tmp_path, capsys):
    missing = tmp_path / "nope.csv"
    code, _, err = run(["aggregate", missing, "--json", tmp_path / "o.json"], capsys)
    assert (code, err) == (2, f"错误：无法读取文件 {missing}：No such file or directory\n")
    assert list(tmp_path.iterdir()) == []


def test_directory_instead_of_file(tmp_path, capsys):
    code, _, err = run(["aggregate", tmp_path, "--json", tmp_path / "o.json"], capsys)
    assert (code, err) == (2, f"错误：无法读取文件 {tmp_path}：Is a directory\n")


def test_binary_file_is_refused(tmp_path, capsys):
    path = tmp_path / "scores.csv"
    path.write_bytes(b"\xff\xfe\x00\x81\x30\xff" * 10)
    code, _, err = run(["aggregate", path, "--json", tmp_path / "o.json"], capsys)
    assert (code, err) == (2, f"错误：文件 {path} 的编码无法识别，请另存为 UTF-8 编码的 CSV\n")


def test_unwritable_output(tmp_path, capsys):
    out = tmp_path / "no-such-dir" / "o.json"
    code, _, err = run(["aggregate", GOLDEN / "scores.csv", "--json", out], capsys)
    assert (code, err) == (2, f"错误：无法写入 {out}：No such file or directory\n")


def test_trim_min_below_three(tmp_path, capsys):
    out = tmp_path / "o.json"
    code, _, err = run(["aggregate", GOLDEN / "scores.csv", "--trim-min", "2", "--json", out], capsys)  # fmt: skip
    assert (code, err) == (
        2,
        "错误：--trim-min 至少为 3（去掉最高分和最低分后至少还要剩一个分数）\n",
    )
    assert not out.exists()


def test_missing_json_option_and_unknown_method(tmp_path, capsys):
    code, _, err = run(["aggregate", GOLDEN / "scores.csv"], capsys)
    assert code == 2
    assert err.splitlines()[-1] == "命令参数有误：the following arguments are required: --json"
    code, _, err = run(["aggregate", GOLDEN / "scores.csv", "--method", "median", "--json", tmp_path / "o.json"], capsys)  # fmt: skip
    assert code == 2
    assert err.splitlines()[-1].startswith("命令参数有误：argument --method: invalid choice")
    assert list(tmp_path.iterdir()) == []


# --- assign -------------------------------------------------------------------------------


def test_assign_avoids_same_school_and_balances(tmp_path, capsys):
    entries = write(tmp_path, "entry,school\nE1,S1\nE2,S1\nE3,S2\nE4,S3\n", "entries.csv")
    judges = write(tmp_path, "judge,school\nA,S1\nB,S2\nC,S3\n", "judges.csv")
    out = tmp_path / "out.json"
    code, stdout, err = run(["assign", entries, judges, "--per-entry", "2", "--json", out], capsys)  # fmt: skip
    result = json.loads(out.read_text(encoding="utf-8"))
    assert (code, err, stdout) == (0, "", "已分配 4 件作品，每位评委 2–3 件\n")
    pairs = {e["entry"]: e["judges"] for e in result["entries"]}
    assert pairs["E1"] == ["B", "C"] and pairs["E2"] == ["B", "C"]  # A is from S1
    assert "B" not in pairs["E3"] and "C" not in pairs["E4"]
    assert sorted(x["load"] for x in result["loads"]) == [2, 3, 3]


def test_assign_infeasible_writes_reasons_and_exits_1(tmp_path, capsys):
    entries = write(tmp_path, "entry,school\nE1,S1\n", "entries.csv")
    judges = write(tmp_path, "judge,school,group\nA,S1,G\nB,S2,G\nC,S3,H\n", "judges.csv")
    conflicts = write(tmp_path, "judge,entry\nC,E1\n", "conflicts.csv")
    out = tmp_path / "out.json"
    args = ["assign", entries, judges, "--per-entry", "2", "--conflicts", conflicts, "--json", out]
    code, _, err = run(args, capsys)
    result = json.loads(out.read_text(encoding="utf-8"))
    assert (code, err) == (1, "作品 E1 只有 1 位无回避冲突的评委，需要 2 位\n")
    assert result["feasible"] is False
    assert result["shortfalls"][0]["reason"] == "too_few_judges"
    assert result["entries"] == [{"entry": "E1", "judges": ["B"]}]


def test_assign_same_group_conflicts(tmp_path, capsys):
    entries = write(tmp_path, "entry,school,group\nE1,S1,G1\n", "entries.csv")
    judges = write(tmp_path, "judge,school,group\nA,S2,G1\nB,S3,G2\nC,S4,\n", "judges.csv")
    out = tmp_path / "out.json"
    assert run(["assign", entries, judges, "--per-entry", "2", "--json", out], capsys)[0] == 0
    assert json.loads(out.read_text(encoding="utf-8"))["entries"] == [{"entry": "E1", "judges": ["B", "C"]}]  # fmt: skip


def test_assign_bad_pin_file(tmp_path, capsys):
    entries = write(tmp_path, "entry\nE1\n", "entries.csv")
    judges = write(tmp_path, "judge\nA\nB\n", "judges.csv")
    pins = write(tmp_path, "judge,entry\nZ,E1\n", "pins.csv")
    out = tmp_path / "out.json"
    code, _, err = run(["assign", entries, judges, "--per-entry", "1", "--pins", pins, "--json", out], capsys)  # fmt: skip
    assert (code, err) == (2, f"错误：第 2 行：评委 Z 或作品 E1 不在名单中（{pins}）\n")
    assert not out.exists()


def test_panel_of_two_and_a_judge_who_scored_nothing(tmp_path, capsys):
    # A: 1 3 5, B: 2 3 6; C left every score empty. BMS = 49/6, WMS = 1/3, JMS = 2/3,
    # EMS = 1/6 (n = 3, k = 2): ICC(1,1) = 47/51, ICC(2,1) = 48/52, ICC(3,1) = 48/50,
    # ICC(1,2) = 47/49, ICC(2,2) = 8 / (50/6) = 0.96, ICC(3,2) = 48/49.
    # Offsets: A -0.5 0 -0.5 -> -1/3; B +1/3. r(A, B): dx -2 0 2, dy -5/3 -2/3 7/3,
    # r = 8 / sqrt(8 * 78/9) = 0.960769.
    rows = "entry,judge,score\n" + "".join(
        f"E{e},{j},{s}\n"
        for e, scores in enumerate([(1, 2, ""), (3, 3, ""), (5, 6, "")], start=1)
        for j, s in zip("ABC", scores, strict=True)
    )
    out = tmp_path / "out.json"
    assert run(["aggregate", write(tmp_path, rows), "--json", out], capsys)[0] == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["entries"] == [
        {"entry": "E3", "n_scores": 2, "final": 5.5, "rank": 1},
        {"entry": "E2", "n_scores": 2, "final": 3.0, "rank": 2},
        {"entry": "E1", "n_scores": 2, "final": 1.5, "rank": 3},
    ]
    assert report["icc"] == {
        "icc1": 0.9216,
        "icc2": 0.9231,
        "icc3": 0.96,
        "icc1k": 0.9592,
        "icc2k": 0.96,
        "icc3k": 0.9796,
    }
    assert report["judges"] == [
        {"judge": "A", "n": 3, "mean_offset": -0.3333, "consensus_corr": 0.9608, "outlier": False},
        {"judge": "B", "n": 3, "mean_offset": 0.3333, "consensus_corr": 0.9608, "outlier": False},
        {"judge": "C", "n": 0, "mean_offset": None, "consensus_corr": None, "outlier": False},
    ]


def test_no_subcommand_and_help(capsys):
    assert main([]) == 2
    assert capsys.readouterr().err.splitlines()[-1].startswith("命令参数有误：")
    assert main(["aggregate", "--help"]) == 0
    assert "SCORES.csv" in capsys.readouterr().out
