"""Synthetic evidence files that look like a Chinese county enforcement agency's year.

The demo workspace and the benchmark are built from these generators. Every function
takes a ``random.Random`` and fixed dates, and writes no clock time anywhere (PDF info,
Office core properties, ZIP entry times, EXIF), so the same arguments give the same
bytes on the same fonts and library versions.

Content (``compose``) is separate from form (``write_*``): one ``Doc`` can become a text
PDF, a scanned PDF, a TIFF, a Word or Excel ledger, or a plain text file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import math
import os
import random
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # "BDF NOT subset" noise

UNIT = "泉州市示例县生态环境保护综合行政执法大队"
SHORT_UNIT = "示例县执法大队"
BUREAU = "泉州市示例县生态环境局"
CITY_BUREAU = "泉州市生态环境局"
DOC_PREFIX = "示环执"
TZ = dt.timezone(dt.timedelta(hours=8))

# -- fonts --------------------------------------------------------------------

_FONT_CANDIDATES = {
    # role: [(path, face index in the collection)], first found wins
    "title": [("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 2),
              ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0)],
    "body": [("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
             ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2)],
    "hei": [("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
            ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2)],
    "kai": [("/usr/share/fonts/truetype/arphic/ukai.ttc", 0),
            ("/usr/share/fonts/truetype/arphic/uming.ttc", 0)],
}


@cache
def font_file(role: str) -> tuple[str, int]:
    """The CJK font file (and face index) used for a role; fails loudly if none is installed."""
    for path, index in _FONT_CANDIDATES[role]:
        if os.path.exists(path):
            return path, index
    raise RuntimeError(f"no CJK font for {role!r}; install fonts-noto-cjk, fonts-arphic-*, "
                       "fonts-wqy-zenhei")


def _gb2312_chars() -> list[int]:
    chars = set(range(0x20, 0x7F)) | {ord(c) for c in "　“”‘’〔〕—…·、。，；：？！（）《》【】"}
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([hi, lo]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return sorted(chars)


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "dossier-synth"


@cache
def pdf_font_file(role: str) -> str:
    """The role's face cut down to the GB2312 repertoire, cached once per machine.

    fpdf2 parses a whole font collection on every document (about a second each); the
    cut-down face parses in a fraction of that. Timestamps are kept, so the cached file,
    and with it every PDF, is the same on every machine with the same fonts.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    path, index = font_file(role)
    st = os.stat(path)
    key = hashlib.sha256(f"{path}:{index}:{st.st_size}:v1".encode()).hexdigest()[:12]
    font = TTFont(path, fontNumber=index, lazy=True, recalcTimestamp=False)
    ext = ".otf" if "CFF " in font else ".ttf"
    target = _cache_dir() / f"{role}-{key}{ext}"
    if target.exists():
        return str(target)
    options = subset.Options()
    options.drop_tables += ["BDF", "EBDT", "EBLC", "EBSC", "FFTM"]
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = TTFont(path, fontNumber=index, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=_gb2312_chars())
    subsetter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    font.save(str(tmp))
    os.replace(tmp, target)
    return str(target)


@cache
def pil_font(role: str, size: int) -> ImageFont.FreeTypeFont:
    path, index = font_file(role)
    return ImageFont.truetype(path, size=size, index=index)


# -- content ------------------------------------------------------------------

SURNAMES = "陈林黄张李王吴刘蔡杨许郑谢洪郭邱曾廖赖周徐苏叶庄吕何高潘朱施傅"
GIVEN = "志伟明华建国海燕丽娟文斌晓东俊杰振鹏婷秀英清泉福荣德辉雅琳思远永坤春梅金龙宏亮少雄毅静"
TOWNS = ["城关镇", "东溪镇", "南山镇", "西坪乡", "北岭镇", "临江街道", "龙湖镇", "石门镇"]
COMPANIES = ["宏达石材", "恒信纸业", "华源印染", "鑫盛陶瓷", "远航食品", "永兴化工", "金泰制革",
             "海鑫电镀", "兴隆建材", "绿源污水处理", "顺昌鞋业", "合力塑胶"]
SQUADS = ["第一中队", "第二中队", "第三中队", "第四中队", "综合科", "法制审核科"]
POSTS = ["大队长", "副大队长", "中队长", "执法队员", "法制员", "科员", "网格员", "监测员"]


def person(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def company(rng: random.Random) -> str:
    return f"示例县{rng.choice(COMPANIES)}有限公司"


def day_in(rng: random.Random, year: int, first: int = 1, last: int = 12) -> dt.date:
    start = dt.date(year, first, 1)
    end = dt.date(year, last, 28)
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def cn_num(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")


@dataclass
class Doc:
    """A document's content, independent of its file format.

    ``blocks`` are ``("h", heading)``, ``("p", indented paragraph)``, ``("l", plain line)``
    or ``("t", (header, rows))``.
    """

    title: str
    date: dt.date
    blocks: list[tuple[str, object]] = field(default_factory=list)
    number: str = ""
    recipient: str = ""
    signer: str = UNIT
    red_header: bool = False
    stamp: bool = False

    def table(self) -> tuple[list[str], list[list[str]]] | None:
        for kind, value in self.blocks:
            if kind == "t":
                return value  # type: ignore[return-value]
        return None

    def plain_text(self) -> str:
        lines = [self.title]
        if self.number:
            lines.append(self.number)
        lines.append("")
        if self.recipient:
            lines.append(self.recipient)
        for kind, value in self.blocks:
            if kind == "t":
                header, rows = value  # type: ignore[misc]
                lines.append("\t".join(header))
                lines += ["\t".join(r) for r in rows]
            elif kind == "p":
                lines.append("　　" + str(value))
            else:
                lines.append(str(value))
        lines += ["", self.signer, cn_date(self.date)]
        return "\r\n".join(lines) + "\r\n"


_PURPOSE = [
    "进一步提升生态环境执法规范化水平",
    "持续深化生态环境保护综合行政执法改革",
    "切实加强执法队伍建设，推动执法工作提质增效",
    "严格落实生态环境保护执法责任，守牢生态环境安全底线",
    "推进执法能力现代化，服务经济社会高质量发展",
]
_GUIDE = [
    "以习近平新时代中国特色社会主义思想为指导，深入贯彻习近平生态文明思想，全面落实省、市生态环境工作会议部署，"
    "围绕{topic}，坚持问题导向和目标导向，{purpose}。",
    "坚持依法行政、严格执法，坚持精准治污、科学治污、依法治污，紧扣{topic}的各项要求，{purpose}。",
]
_GOALS = [
    "{year}年底前，{topic}工作实现制度化、常态化，相关台账资料完整规范，全年组织专项活动不少于{n}次。",
    "通过开展{topic}，全队执法人员业务能力明显提升，执法案件质量稳步提高，群众满意度进一步增强。",
    "建立健全{topic}长效机制，做到责任到人、措施到位、资料齐全，确保各项指标达到规范化建设标准要求。",
]
_TASKS = [
    "（{k}）明确责任分工。成立由大队长任组长、分管副大队长任副组长、各中队负责人为成员的工作领导小组，"
    "领导小组办公室设在综合科，负责{topic}的统筹协调和日常管理。",
    "（{k}）抓好组织实施。各中队要结合辖区实际，于{month}月底前制定具体实施方案，明确时间节点和责任人，"
    "每季度末向大队报送工作进展情况。",
    "（{k}）强化督促检查。大队将{topic}纳入年度绩效考核，采取定期检查与随机抽查相结合的方式，"
    "对工作推进不力的中队予以通报。",
    "（{k}）规范资料管理。各项工作要做到有计划、有记录、有总结，相关文件、照片、台账由专人负责收集整理，"
    "按年度归档备查。",
    "（{k}）加强培训指导。结合“执法大练兵”活动，组织开展{topic}专题培训，邀请市局业务骨干和法律顾问授课，"
    "全年培训不少于{n}期。",
    "（{k}）深化协调联动。加强与公安、自然资源、住建、水利、农业农村等部门的沟通协作，"
    "在{town}等重点区域开展联合检查，形成工作合力。",
]
_REQUIRE = [
    "各中队、各科室要高度重视，把{topic}作为规范化建设的重要内容，主要负责人亲自抓、负总责。",
    "要严格落实廉洁自律各项规定，严禁在执法检查中吃拿卡要，严格遵守中央八项规定精神。",
    "工作中遇到的问题请及时向大队综合科反映，联系人：{person}，联系电话：0595-2{phone}。",
]
_MEETING = [
    "会议传达学习了{upper}关于{topic}的有关文件精神，{person}同志对相关工作作了具体部署。",
    "会议听取了各中队关于{topic}的工作汇报，分析了当前存在的问题，研究了下一步工作措施。",
    "{person}同志强调，要提高政治站位，把{topic}与日常执法工作紧密结合，确保各项任务落到实处。",
    "与会人员围绕{topic}进行了交流讨论，一致认为要进一步完善工作机制，加强资料收集和归档管理。",
]
_DECIDE = [
    "由{squad}牵头，于{month}月底前完成{topic}相关制度的修订完善。",
    "各中队每月报送一次工作进展，由综合科汇总后报大队领导。",
    "对{company}等重点企业开展专项检查，发现问题依法查处。",
    "下次会议于{month}月中旬召开，听取整改落实情况汇报。",
]
_REPORT = [
    "{year}年以来，我队认真贯彻落实上级关于{topic}的工作部署，结合辖区实际，扎实推进各项工作，取得了阶段性成效。"
    "全年共出动执法人员{staff}人次，检查企业{firms}家次，立案查处环境违法案件{cases}起。",
    "在{topic}方面，我队建立了工作台账，明确专人负责，定期梳理工作进展，"
    "相关做法得到了市局的肯定。",
    "同时也存在一些不足：一是执法力量与监管任务仍不匹配；二是部分执法人员业务能力有待提高；"
    "三是信息化手段运用还不够充分。下一步，我队将针对问题逐项整改，持续提升执法效能。",
]
_ARTICLES = [
    "为规范{topic}工作，根据《中华人民共和国环境保护法》《福建省生态环境保护综合行政执法机构规范化建设标准》等规定，"
    "结合本单位实际，制定本制度。",
    "本制度适用于{unit}全体工作人员。",
    "大队成立{topic}工作领导小组，大队长为第一责任人，分管副大队长为直接责任人，综合科负责日常管理。",
    "各中队应当指定一名联络员，负责本中队{topic}相关资料的收集、整理和报送。",
    "相关工作应当建立台账，如实记录时间、事项、责任人和完成情况，台账每季度更新一次。",
    "大队每半年对制度执行情况开展一次检查，检查结果纳入年度考核。",
    "工作人员违反本制度规定的，视情节轻重予以批评教育、通报批评；情节严重的，依照有关规定追究责任。",
    "本制度由大队综合科负责解释，自印发之日起施行。",
]
_NEWS = [
    "近日，{unit}联合{town}人民政府对辖区内{company}开展突击检查，现场发现该公司废水处理设施未正常运行，"
    "执法人员当即固定证据并依法立案调查。",
    "据了解，今年以来，示例县生态环境执法部门坚持“严格执法、热情服务”，一方面对违法排污行为“零容忍”，"
    "另一方面深入企业开展“送法入企”活动，帮助企业解决治污难题{n}个。",
    "“以前对环保法规一知半解，现在执法人员上门讲解，心里有底了。”{company}负责人{person}说。",
]


def _fill(template: str, rng: random.Random, topic: str, year: int, **extra: object) -> str:
    values = {
        "topic": topic, "year": year, "unit": UNIT, "purpose": rng.choice(_PURPOSE),
        "n": rng.randint(2, 6), "month": rng.randint(2, 11), "town": rng.choice(TOWNS),
        "person": person(rng), "company": company(rng), "squad": rng.choice(SQUADS),
        "phone": f"{rng.randrange(1000000):07d}", "upper": rng.choice(["省生态环境厅", "市生态环境局",
                                                                     "市执法支队"]),
        "staff": rng.randint(900, 1600), "firms": rng.randint(400, 900),
        "cases": rng.randint(20, 60),
    }
    values.update(extra)
    return template.format(**values)


def _topic(title: str) -> str:
    """A noun phrase for the body text, derived from the title."""
    m = re.search(r"《(?:\d{4}年度?)?(.+?)》", title)
    text = m.group(1) if m else title
    text = re.sub(r"^(关于|示例县|\d{4}年度?|\d{4}年)", "", text)
    text = re.sub(r"^(印发|开展|报送|建立|做好|加强)", "", text)
    text = re.sub(r"(的通知|的报告|的请示|情况的报告|的决定|会议纪要|签到表|台账|工作计划|实施方案|"
                  r"管理制度|制度|计划|方案|总结|情况|登记表|统计表|名单)+$", "", text)
    return text or "规范化建设"


def compose(kind: str, title: str, rng: random.Random, date: dt.date, *,
            topic: str | None = None, table: tuple[list[str], list[list[str]]] | None = None,
            ledger: str = "generic") -> Doc:
    """Realistic Chinese content for a document of a given kind.

    Kinds: notice (红头文件 with an attached plan), plan, system (制度), minutes (会议纪要),
    signin (签到表), ledger (台账), report (情况报告), news (媒体报道), certificate (荣誉证书),
    penalty (行政处罚决定书).
    """
    year = date.year
    topic = topic or _topic(title)
    fill = lambda t, **kw: _fill(t, rng, topic, year, **kw)  # noqa: E731
    seq = rng.randint(3, 60)
    doc = Doc(title=title, date=date)
    if kind in ("notice", "plan"):
        if kind == "notice":
            doc.red_header, doc.stamp = True, True
            doc.number = f"{DOC_PREFIX}〔{year}〕{seq}号"
            doc.recipient = "各中队、各科室："
            inner = re.search(r"《(.+?)》", title)
            if inner:
                attach = inner.group(1)
                doc.blocks.append(("p", f"为{rng.choice(_PURPOSE)}，根据上级有关工作部署，结合我队实际，"
                                        f"制定了《{attach}》，现印发给你们，请结合实际认真贯彻执行。"))
                doc.blocks.append(("l", f"附件：{attach}"))
                doc.blocks.append(("h", attach))
            else:
                doc.blocks.append(("p", f"为{rng.choice(_PURPOSE)}，根据上级有关工作部署，经大队研究，"
                                        f"决定{topic}。现将有关事项通知如下："))
        sections = [("指导思想", [rng.choice(_GUIDE)]), ("工作目标", rng.sample(_GOALS, 2)),
                    ("主要任务", rng.sample(_TASKS, rng.randint(3, 5))),
                    ("工作要求", rng.sample(_REQUIRE, 2))]
        for i, (head, paras) in enumerate(sections, 1):
            doc.blocks.append(("h", f"{cn_num(i)}、{head}"))
            for k, p in enumerate(paras, 1):
                doc.blocks.append(("p", fill(p, k=cn_num(k))))
    elif kind == "system":
        doc.number = f"{DOC_PREFIX}〔{year}〕{seq}号"
        doc.stamp = True
        for i, art in enumerate(_ARTICLES, 1):
            doc.blocks.append(("p", f"第{cn_num(i)}条　" + fill(art)))
    elif kind == "minutes":
        chair, recorder = person(rng), person(rng)
        attendees = "、".join(person(rng) for _ in range(rng.randint(6, 11)))
        for line in (f"时间：{cn_date(date)}上午9:00", f"地点：{SHORT_UNIT}三楼会议室",
                     f"主持人：{chair}（大队长）", f"参加人员：{attendees}", f"记录人：{recorder}"):
            doc.blocks.append(("l", line))
        doc.blocks.append(("h", "一、会议内容"))
        for p in rng.sample(_MEETING, 3):
            doc.blocks.append(("p", fill(p, person=chair)))
        doc.blocks.append(("h", "二、议定事项"))
        for i, p in enumerate(rng.sample(_DECIDE, 3), 1):
            doc.blocks.append(("p", f"{i}．" + fill(p)))
    elif kind == "report":
        doc.number = f"{DOC_PREFIX}〔{year}〕{seq}号"
        doc.recipient = f"{CITY_BUREAU}："
        doc.stamp = True
        for i, p in enumerate(_REPORT, 1):
            doc.blocks.append(("h", f"{cn_num(i)}、" + ("基本情况", "主要做法", "存在问题和下一步打算")[i - 1]))
            doc.blocks.append(("p", fill(p)))
        doc.blocks.append(("p", "特此报告。"))
    elif kind == "news":
        doc.signer = rng.choice(["示例县融媒体中心", "示例日报", "福建示例报"])
        doc.blocks.append(("l", f"{doc.signer}　{cn_date(date)}　记者 {person(rng)} 通讯员 {person(rng)}"))
        for p in _NEWS:
            doc.blocks.append(("p", fill(p)))
    elif kind == "certificate":
        doc.signer = rng.choice(["福建省生态环境厅", "泉州市生态环境局"])
        doc.stamp = True
        doc.blocks.append(("l", f"{person(rng)}同志："))
        doc.blocks.append(("p", f"在{year - 1}年度{topic}中表现突出，成绩优异，特发此证，以资鼓励。"))
    elif kind == "penalty":
        firm = company(rng)
        doc.number = f"示环罚〔{year}〕{seq}号"
        doc.stamp = True
        doc.blocks += [
            ("l", f"当事人：{firm}"), ("l", f"统一社会信用代码：91350{rng.randrange(10**12):012d}X"),
            ("l", f"地址：示例县{rng.choice(TOWNS)}工业区"),
            ("p", f"{cn_date(day_in(rng, year, 1, 6))}，我局执法人员对你单位进行现场检查，发现你单位"
                  "废气收集处理设施未正常运行，生产过程中产生的废气未经处理直接排放。"),
            ("p", "以上事实有现场检查笔录、调查询问笔录、现场照片和执法记录仪视频等证据为证。"),
            ("p", "你单位的上述行为违反了《中华人民共和国大气污染防治法》第四十八条的规定。依据该法"
                  f"第一百零八条第一项的规定，我局决定对你单位处以罚款人民币{rng.randint(2, 20)}万元。"),
            ("p", "如不服本处罚决定，可在收到本决定书之日起六十日内申请行政复议，或者六个月内依法提起行政诉讼。"),
        ]
        doc.signer = BUREAU
    elif kind in ("signin", "ledger"):
        doc.stamp = kind == "ledger" and rng.random() < 0.5
        doc.blocks.append(("l", f"填报单位：{UNIT}"))
        doc.blocks.append(("t", table or make_table(ledger if kind == "ledger" else "signin",
                                                     rng, date, topic)))
    else:
        raise ValueError(f"unknown document kind {kind!r}")
    return doc


_LEDGERS: dict[str, list[str]] = {
    "signin": ["序号", "姓名（签名）", "单位", "职务", "联系电话"],
    "equipment": ["序号", "装备名称", "规格型号", "数量", "购置日期", "保管人", "状态"],
    "usage": ["序号", "日期", "装备名称", "使用人", "用途", "领用时间", "归还时间", "状况"],
    "uniform": ["序号", "姓名", "执法证号", "春秋装", "夏装", "冬装", "标志", "领取日期"],
    "training": ["序号", "日期", "培训内容", "授课人", "参训人数", "学时"],
    "cases": ["序号", "案件名称", "立案日期", "违法行为", "处罚金额(万元)", "办理状态"],
    "grid": ["序号", "网格", "发现日期", "问题描述", "移交日期", "办理结果"],
    "logins": ["序号", "姓名", "执法证号"] + [f"{m}月" for m in range(1, 13)] + ["月均"],
    "staff": ["序号", "姓名", "性别", "学历", "专业", "执法证号", "岗位"],
    "ppe": ["序号", "姓名", "防护服", "防毒面具", "安全帽", "防护手套", "领取日期"],
    "generic": ["序号", "日期", "事项", "责任人", "完成情况", "备注"],
}
_EQUIPMENT = [("执法执勤专用车", "比亚迪 宋"), ("移动执法终端", "MT-8"), ("执法记录仪", "DSJ-V9"),
              ("无人机", "DJI M30"), ("便携式打印机", "P-58"), ("激光测距仪", "LM-100"),
              ("便携式流量计", "FL-2"), ("红外热成像仪", "TI-300"), ("PID检测仪", "PGM-7340"),
              ("油气回收三项检测仪", "YQ-3"), ("数码照相机", "EOS 90D"), ("采样设备", "CY-12")]
_VIOLATIONS = ["未批先建", "超标排放废水", "废气处理设施未正常运行", "危险废物贮存不规范",
               "未按规定申领排污许可证", "在线监测数据造假", "通过暗管排放污染物", "未落实扬尘防治措施"]
_TRAINING = ["新《行政处罚法》解读", "排污许可证后监管", "现场检查笔录制作", "执法记录仪规范使用",
             "危险废物规范化管理", "无人机航拍取证", "案卷评查要点", "移动执法系统操作"]


def make_table(ledger: str, rng: random.Random, date: dt.date, topic: str = "",
               rows: int | None = None) -> tuple[list[str], list[list[str]]]:
    header = _LEDGERS[ledger]
    n = rows or rng.randint(8, 18)
    year = date.year
    out = []
    for i in range(1, n + 1):
        d = day_in(rng, year)
        badge = f"3505{rng.randrange(10**6):06d}"
        row = _row(ledger, rng, d, badge, topic)
        out.append([str(i), *row])
    if ledger in ("usage", "training", "cases", "grid", "generic", "ppe"):
        out.sort(key=lambda r: r[{"cases": 2, "grid": 2, "ppe": 6}.get(ledger, 1)])
        for i, r in enumerate(out, 1):
            r[0] = str(i)
    return header, out


def _row(ledger: str, rng: random.Random, d: dt.date, badge: str, topic: str) -> list[str]:
    if ledger == "signin":
        return [person(rng), rng.choice(SQUADS), rng.choice(POSTS),
                f"13{rng.randint(0, 9)}****{rng.randrange(10000):04d}"]
    if ledger == "equipment":
        return [*rng.choice(_EQUIPMENT), str(rng.randint(1, 6)), d.isoformat(), person(rng),
                rng.choice(["在用", "在用", "在用", "维修", "待报废"])]
    if ledger == "usage":
        return [d.isoformat(), rng.choice(_EQUIPMENT)[0], person(rng), f"检查{company(rng)[3:]}",
                f"{rng.randint(8, 10)}:{rng.choice(['00', '30'])}",
                f"{rng.randint(14, 17)}:{rng.choice(['00', '30'])}", "完好"]
    if ledger == "uniform":
        return [person(rng), badge, "1套", "2套", "1套", "1套", d.isoformat()]
    if ledger == "training":
        return [d.isoformat(), rng.choice(_TRAINING), person(rng), str(rng.randint(15, 45)),
                str(rng.choice((2, 3, 4, 6)))]
    if ledger == "cases":
        return [f"{company(rng)}{rng.choice(_VIOLATIONS)}案", d.isoformat(), rng.choice(_VIOLATIONS),
                f"{rng.randint(1, 40) / 2:.1f}", rng.choice(["已结案", "已结案", "执行中"])]
    if ledger == "grid":
        return [f"{rng.choice(TOWNS)}第{rng.randint(1, 9)}网格", d.isoformat(),
                f"{company(rng)[3:]}疑似{rng.choice(_VIOLATIONS)}",
                (d + dt.timedelta(days=rng.randint(1, 3))).isoformat(),
                rng.choice(["已立案查处", "已责令改正", "经核查无违法行为"])]
    if ledger == "logins":
        return ([person(rng), badge] + [str(rng.randint(2, 9)) for _ in range(12)]
                + [f"{rng.uniform(2.5, 6):.1f}"])
    if ledger == "ppe":
        return [person(rng), "1套", "1个", "1顶", f"{rng.randint(2, 4)}副", d.isoformat()]
    if ledger == "staff":
        return [person(rng), rng.choice("男男女"), rng.choice(["本科", "本科", "硕士研究生", "大专"]),
                rng.choice(["环境工程", "法学", "环境科学", "化学工程", "行政管理"]), badge,
                rng.choice(POSTS[:5])]
    return [d.isoformat(), f"{topic or '规范化建设'}相关工作", person(rng),
            rng.choice(["已完成", "已完成", "推进中"]), ""]


# -- deterministic Office files ----------------------------------------------

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _normalize_zip(path: Path, when: dt.datetime) -> None:
    """Rewrite an OOXML package with fixed entry times and fixed core-property dates."""
    with zipfile.ZipFile(path) as z:
        entries = [(i.filename, z.read(i)) for i in z.infolist()]
    stamp = when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    date_time = when.timetuple()[:6] if when.year >= 1980 else _ZIP_TIME
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                              rb"\g<1>" + stamp + rb"\g<2>", data)
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            out.writestr(info, data)
    path.write_bytes(buf.getvalue())


def _noon(date: dt.date) -> dt.datetime:
    return dt.datetime(date.year, date.month, date.day, 9, 30, tzinfo=TZ)


def write_docx(doc: Doc, path: Path) -> None:
    """A Word document in the fonts that Word and WPS know (仿宋_GB2312 body, 小标宋 title)."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    d = Document()

    def run(paragraph, text, font="仿宋_GB2312", size=16, bold=False, color=None):
        r = paragraph.add_run(text)
        r.font.name = font
        r.font.size = Pt(size)
        r.font.bold = bold
        r._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
        if color:
            r.font.color.rgb = RGBColor(*color)
        return r

    def para(text="", align=None, indent=False, **kw):
        p = d.add_paragraph()
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Pt(32)
        if text:
            run(p, text, **kw)
        return p

    if doc.red_header:
        para(UNIT + "文件", WD_ALIGN_PARAGRAPH.CENTER, font="方正小标宋简体", size=26,
             color=(200, 0, 0))
    if doc.number:
        para(doc.number, WD_ALIGN_PARAGRAPH.CENTER)
    para(doc.title, WD_ALIGN_PARAGRAPH.CENTER, font="方正小标宋简体", size=22)
    if doc.recipient:
        para(doc.recipient)
    for kind, value in doc.blocks:
        if kind == "h":
            para(str(value), font="黑体")
        elif kind == "p":
            para(str(value), indent=True)
        elif kind == "l":
            para(str(value))
        elif kind == "t":
            header, rows = value  # type: ignore[misc]
            table = d.add_table(rows=1 + len(rows), cols=len(header))
            table.style = "Table Grid"
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            for r, cells in enumerate([header, *rows]):
                for c, text in enumerate(cells):
                    cell = table.cell(r, c)
                    run(cell.paragraphs[0], text, size=10.5, bold=r == 0)
    para()
    para(doc.signer, WD_ALIGN_PARAGRAPH.RIGHT)
    para(cn_date(doc.date), WD_ALIGN_PARAGRAPH.RIGHT)
    when = _noon(doc.date)
    props = d.core_properties
    props.author = props.last_modified_by = SHORT_UNIT
    props.title = doc.title
    props.created = props.modified = props.last_printed = when.replace(tzinfo=None)
    props.revision = 1
    d.save(path)
    _normalize_zip(Path(path), when)


def write_xlsx(doc: Doc, path: Path) -> None:
    """An Excel ledger: title row, unit and date row, then the table."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    header, rows = doc.table() or make_table("generic", random.Random(doc.title), doc.date)
    wb = Workbook()
    ws = wb.active
    ws.title = re.sub(r"[\[\]:*?/\\]", "", _topic(doc.title))[:31] or "Sheet1"
    ncol = len(header)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
    ws.cell(1, 1, doc.title).font = Font(name="宋体", size=16, bold=True)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncol)
    ws.cell(2, 1, f"填报单位：{UNIT}　　填报日期：{cn_date(doc.date)}").font = Font(name="宋体", size=10)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for r, cells in enumerate([header, *rows], start=3):
        for c, text in enumerate(cells, start=1):
            value: object = text
            if r > 3 and re.fullmatch(r"-?\d+(\.\d+)?", text) and c > 1 and len(text) < 8:
                value = float(text) if "." in text else int(text)
            cell = ws.cell(r, c, value)
            cell.border = border
            cell.font = Font(name="宋体", size=10, bold=r == 3)
            if r == 3:
                cell.fill = PatternFill("solid", fgColor="D9E1F2")
                cell.alignment = Alignment(horizontal="center")
    for c in range(1, ncol + 1):
        width = max(len(str(row[c - 1])) for row in [header, *rows]) * 2 + 2
        ws.column_dimensions[get_column_letter(c)].width = min(max(width, 6), 40)
    ws.freeze_panes = "A4"
    when = _noon(doc.date).replace(tzinfo=None)
    wb.properties.creator = wb.properties.lastModifiedBy = SHORT_UNIT
    wb.properties.title = doc.title
    wb.properties.created = wb.properties.modified = when
    wb.save(path)
    _normalize_zip(Path(path), _noon(doc.date))


def write_txt(doc: Doc, path: Path) -> None:
    """Plain text as Notepad on a Chinese Windows PC saves it (UTF-8 with BOM, CRLF)."""
    Path(path).write_bytes(doc.plain_text().encode("utf-8-sig"))


# -- text PDF (fpdf2, embedded CJK fonts) ------------------------------------

def write_text_pdf(doc: Doc, path: Path) -> None:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    class GovPDF(FPDF):
        def footer(self) -> None:
            self.set_y(-22)
            self.set_font("body", size=12)
            self.cell(0, 8, f"— {self.page_no()} —", align="C")

    pdf = GovPDF(format="A4")
    for role in ("title", "body", "hei"):
        pdf.add_font(role, "", pdf_font_file(role))
    pdf.set_margins(28, 30, 26)
    pdf.set_auto_page_break(True, 32)
    pdf.set_creation_date(_noon(doc.date))
    pdf.set_title(doc.title)
    pdf.set_author(SHORT_UNIT)
    pdf.set_creator("WPS 文字")
    pdf.set_producer("示例县执法大队公文系统")
    pdf.add_page()
    if doc.red_header:
        pdf.set_text_color(200, 0, 0)
        pdf.set_font("title", size=18)
        pdf.multi_cell(0, 14, UNIT + "文件", align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    if doc.number:
        pdf.set_font("body", size=14)
        pdf.cell(0, 10, doc.number, align="C", new_x="LMARGIN", new_y="NEXT")
    if doc.red_header:
        pdf.set_draw_color(200, 0, 0)
        pdf.set_line_width(0.8)
        pdf.line(28, pdf.get_y() + 1, 184, pdf.get_y() + 1)
        pdf.set_draw_color(0, 0, 0)
        pdf.set_line_width(0.2)
        pdf.ln(6)
    pdf.set_font("title", size=18)
    pdf.multi_cell(0, 11, doc.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    if doc.recipient:
        pdf.set_font("body", size=14)
        pdf.multi_cell(0, 8, doc.recipient, new_x="LMARGIN", new_y="NEXT")
    for kind, value in doc.blocks:
        if kind == "h":
            pdf.set_font("hei", size=14)
            pdf.multi_cell(0, 9, str(value), new_x="LMARGIN", new_y="NEXT")
        elif kind in ("p", "l"):
            pdf.set_font("body", size=14)
            if kind == "p":  # first-line indent of two characters; write() wraps per character
                pdf.set_x(pdf.l_margin + 2 * 14 * 25.4 / 72)
            pdf.write(8, str(value))
            pdf.ln(8)
        elif kind == "t":
            header, rows = value  # type: ignore[misc]
            pdf.set_font("body", size=9 if len(header) > 8 else 10.5)
            widths = _column_weights(header, rows)
            with pdf.table(col_widths=widths, line_height=6, text_align="CENTER",
                           headings_style=FontFace(emphasis=None, fill_color=(220, 228, 240))) as t:
                for cells in [header, *rows]:
                    t.row(cells)
    pdf.ln(8)
    pdf.set_font("body", size=14)
    pdf.multi_cell(0, 8, f"{doc.signer}\n{cn_date(doc.date)}", align="R")
    pdf.output(str(path))


def _column_weights(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[float]:
    return [max(2.0, min(12.0, max(len(str(r[i])) for r in [header, *rows]) * 1.0))
            for i in range(len(header))]


# -- page images (for scans and TIFF) ----------------------------------------

A4_MM = (210, 297)


class _Layout:
    """Lays a Doc out on page images at a given dpi (text wrapped per character)."""

    def __init__(self, dpi: int, rng: random.Random, mode: str) -> None:
        self.dpi, self.rng, self.mode = dpi, rng, mode
        self.w = round(A4_MM[0] / 25.4 * dpi)
        self.h = round(A4_MM[1] / 25.4 * dpi)
        self.left = round(28 / 25.4 * dpi)
        self.right = self.w - round(26 / 25.4 * dpi)
        self.top = round(30 / 25.4 * dpi)
        self.bottom = self.h - round(30 / 25.4 * dpi)
        self.pages: list[Image.Image] = []
        self._new_page()

    def px(self, pt: float) -> int:
        return max(6, round(pt * self.dpi / 72))

    def _new_page(self) -> None:
        self.page = Image.new(self.mode, (self.w, self.h), "white")
        self.draw = ImageDraw.Draw(self.page)
        self.pages.append(self.page)
        self.y = self.top

    def _need(self, height: int) -> None:
        if self.y + height > self.bottom:
            self._new_page()

    def text(self, text: str, role: str = "body", pt: float = 14, align: str = "left",
             indent: int = 0, fill: object = "black", x0: int | None = None,
             x1: int | None = None) -> None:
        font = pil_font(role, self.px(pt))
        x0 = self.left if x0 is None else x0
        x1 = self.right if x1 is None else x1
        line_h = round(font.size * 1.55)
        for line in _wrap(text, font, x1 - x0, indent * font.size):
            self._need(line_h)
            width = font.getlength(line)
            x = {"left": x0, "center": (x0 + x1 - width) / 2, "right": x1 - width}[align]
            self.draw.text((x, self.y), line, font=font, fill=fill)
            self.y += line_h

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], handwriting: bool) -> None:
        pt = 9 if len(header) > 8 else 10.5
        font = pil_font("body", self.px(pt))
        hand = pil_font("kai", self.px(pt + 2))
        weights = _column_weights(header, rows)
        total = sum(weights)
        span = self.right - self.left
        xs = [self.left]
        for wgt in weights:
            xs.append(xs[-1] + round(span * wgt / total))
        xs[-1] = self.right
        line_h = round(font.size * 1.4)
        pad = max(2, font.size // 4)
        for r, cells in enumerate([header, *rows]):
            wrapped = [_wrap(str(c), font, xs[i + 1] - xs[i] - 2 * pad, 0) or [""]
                       for i, c in enumerate(cells)]
            height = max(len(w) for w in wrapped) * line_h + 2 * pad
            if handwriting and r > 0:
                height = max(height, round(font.size * 2.4))
            if self.y + height > self.bottom:
                self._new_page()
            for i, lines in enumerate(wrapped):
                if handwriting and r > 0 and i == 1:
                    lines = []  # the name is written by hand below
                self.draw.rectangle((xs[i], self.y, xs[i + 1], self.y + height), outline="black",
                                    width=max(1, self.dpi // 100))
                for k, line in enumerate(lines):
                    tw = font.getlength(line)
                    self.draw.text(((xs[i] + xs[i + 1] - tw) / 2, self.y + pad + k * line_h), line,
                                   font=font, fill="black")
            if handwriting and r > 0:
                name = cells[1]
                x = xs[1] + pad + self.rng.randint(0, pad * 3)
                self.draw.text((x, self.y + self.rng.randint(0, pad)), name, font=hand,
                               fill=(20, 30, 90) if self.mode == "RGB" else 40)
            self.y += height
        self.y += line_h

    def space(self, pt: float) -> None:
        self.y += self.px(pt)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: float, first_indent: float) -> list[str]:
    lines, line, used = [], "", first_indent
    if first_indent:
        line = "\u3000\u3000"
    for ch in text:
        w = _char_width(font, ch)
        if used + w > width and line.strip("\u3000"):
            lines.append(line)
            line, used = "", 0
        line += ch
        used += w
    if line:
        lines.append(line)
    return lines


_WIDTHS: dict[tuple[int, str], float] = {}


def _char_width(font: ImageFont.FreeTypeFont, ch: str) -> float:
    key = (id(font), ch)
    w = _WIDTHS.get(key)
    if w is None:
        w = _WIDTHS[key] = font.getlength(ch)
    return w


def layout_pages(doc: Doc, rng: random.Random, dpi: int = 150, color: bool = False) -> list[Image.Image]:
    """Clean page images (white paper) of a document, ready for ``age_scan``."""
    lay = _Layout(dpi, rng, "RGB" if color else "L")
    red = (200, 20, 20) if color else 90
    if doc.red_header:
        lay.text(UNIT + "文件", "title", 18, "center", fill=red)
    if doc.number:
        lay.text(doc.number, "body", 14, "center")
    if doc.red_header:
        lay.draw.line((lay.left, lay.y, lay.right, lay.y), fill=red, width=max(2, dpi // 60))
        lay.space(12)
    lay.text(doc.title, "title", 18, "center")
    lay.space(6)
    if doc.recipient:
        lay.text(doc.recipient)
    signin = any(k == "t" and v[0] == _LEDGERS["signin"] for k, v in doc.blocks)  # type: ignore[index]
    for kind, value in doc.blocks:
        if kind == "h":
            lay.text(str(value), "hei", 14)
        elif kind == "p":
            lay.text(str(value), indent=2)
        elif kind == "l":
            lay.text(str(value))
        elif kind == "t":
            header, rows = value  # type: ignore[misc]
            lay.table(header, rows, handwriting=signin)
    lay.space(14)
    lay._need(lay.px(60))
    sign_y = lay.y
    lay.text(doc.signer, x1=lay.right - lay.px(20), align="right")
    lay.text(cn_date(doc.date), x1=lay.right - lay.px(20), align="right")
    if doc.stamp:
        size = lay.px(120)
        stamp = stamp_image(doc.signer, size, color)
        cx = lay.right - lay.px(20) - size + rng.randint(-lay.px(10), lay.px(10))
        cy = sign_y - size // 3 + rng.randint(-lay.px(8), lay.px(8))
        stamp = stamp.rotate(rng.uniform(-20, 20), resample=Image.Resampling.BILINEAR,
                             fillcolor="white")
        region = lay.page.crop((cx, cy, cx + size, cy + size))
        lay.page.paste(ImageChops.multiply(region, stamp), (cx, cy))
    return lay.pages


@cache
def stamp_image(unit: str, size: int, color: bool) -> Image.Image:
    """A round official seal (公章): unit name on the arc, a star in the middle."""
    mode, ink = ("RGB", (215, 40, 40)) if color else ("L", 120)
    img = Image.new(mode, (size, size), "white")
    draw = ImageDraw.Draw(img)
    width = max(2, size // 40)
    draw.ellipse((width, width, size - width, size - width), outline=ink, width=width)
    r = size / 2
    star = [(r + r * 0.28 * math.cos(math.radians(-90 + k * 36)) * (1 if k % 2 == 0 else 0.4),
             r + r * 0.28 * math.sin(math.radians(-90 + k * 36)) * (1 if k % 2 == 0 else 0.4))
            for k in range(10)]
    draw.polygon(star, fill=ink)
    font = pil_font("hei", max(6, round(size * 0.11)))
    chars = list(unit)
    sweep = 250
    for i, ch in enumerate(chars):
        angle = -90 - sweep / 2 + sweep * (i + 0.5) / len(chars)
        glyph = Image.new("L", (font.size * 2, font.size * 2), 0)
        ImageDraw.Draw(glyph).text((font.size // 2, font.size // 2), ch, font=font, fill=255)
        glyph = glyph.rotate(-(angle + 90), resample=Image.Resampling.BILINEAR)
        gx = r + (r - font.size * 1.1) * math.cos(math.radians(angle)) - font.size
        gy = r + (r - font.size * 1.1) * math.sin(math.radians(angle)) - font.size
        img.paste(Image.new(mode, glyph.size, ink), (round(gx), round(gy)), glyph)
    return img


@cache
def _noise(size: tuple[int, int], sigma: float) -> Image.Image:
    """A reusable noise field (grey 128, standard deviation sigma); cropping it at an offset
    varies it cheaply. Seeded from the size, never from process state (Image.effect_noise
    uses the C library's rand(), whose sequence depends on what ran before)."""
    w, h = size[0] + 64, size[1] + 64
    raw = Image.frombytes("L", (w, h), random.Random(f"noise:{w}x{h}").randbytes(w * h))
    amplitude = sigma * math.sqrt(3)  # uniform on [-a, a] has standard deviation a/sqrt(3)
    return raw.point([round(128 + (v / 255 * 2 - 1) * amplitude) for v in range(256)])


def _add_noise(img: Image.Image, rng: random.Random, sigma: float) -> Image.Image:
    field_ = _noise(img.size, sigma)
    ox, oy = rng.randrange(64), rng.randrange(64)
    noise = field_.crop((ox, oy, ox + img.width, oy + img.height))
    if img.mode == "RGB":
        noise = Image.merge("RGB", (noise, noise, noise))
    return ImageChops.add(img, noise, scale=1.0, offset=-128)


def age_scan(page: Image.Image, rng: random.Random, *, blur: bool = True,
             noise: float = 3.0) -> Image.Image:
    """Make a clean page look scanned: grey paper, slight skew, blur and grain."""
    tone = rng.randint(222, 244)
    lut = [round(25 + (tone - 25) * v / 255) for v in range(256)]
    img = page.point(lut * len(page.getbands()))
    angle = rng.uniform(-0.9, 0.9)
    edge = (tone - 40,) * len(page.getbands()) if page.mode == "RGB" else tone - 40
    img = img.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=edge)
    if blur:
        img = img.filter(ImageFilter.GaussianBlur(0.6 * page.width / 1240))
    return _add_noise(img, rng, noise)


def jpeg_bytes(img: Image.Image, quality: int, dpi: int | None = None) -> bytes:
    buf = io.BytesIO()
    kw = {"dpi": (dpi, dpi)} if dpi else {}
    img.save(buf, "JPEG", quality=quality, optimize=False, **kw)
    return buf.getvalue()


@dataclass(frozen=True)
class ScanPage:
    jpeg: bytes
    width: int
    height: int
    dpi: int
    gray: bool


def scan_page(img: Image.Image, dpi: int, quality: int = 60) -> ScanPage:
    return ScanPage(jpeg_bytes(img, quality), img.width, img.height, dpi, img.mode == "L")


def write_image_pdf(path: Path, pages: Iterable[ScanPage], *, title: str, date: dt.date,
                    producer: str = "Scanner PDF 2.1") -> int:
    """An image-only PDF, one JPEG (DCTDecode) per page, as a scanner writes it.

    Streams page by page, so a 50-page scan never sits in memory. Returns the page count.
    """
    stamp = _noon(date).strftime("D:%Y%m%d%H%M%S+08'00'")
    offsets: dict[int, int] = {}
    kids: list[int] = []
    digest = hashlib.md5(title.encode())
    with open(path, "wb") as f:
        def obj(num: int, body: bytes, stream: bytes | None = None) -> None:
            offsets[num] = f.tell()
            f.write(b"%d 0 obj\n" % num + body)
            if stream is not None:
                f.write(b"\nstream\n" + stream + b"\nendstream")
            f.write(b"\nendobj\n")

        f.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        num = 4
        for page in pages:
            w_pt = page.width * 72 / page.dpi
            h_pt = page.height * 72 / page.dpi
            content = b"q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q" % (w_pt, h_pt)
            cs = b"/DeviceGray" if page.gray else b"/DeviceRGB"
            obj(num + 2, b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s "
                         b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>"
                % (page.width, page.height, cs, len(page.jpeg)), page.jpeg)
            obj(num + 1, b"<< /Length %d >>" % len(content), content)
            obj(num, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Contents %d 0 R "
                     b"/Resources << /XObject << /Im0 %d 0 R >> >> >>"
                % (w_pt, h_pt, num + 1, num + 2))
            digest.update(page.jpeg[:64] + page.jpeg[-64:])
            kids.append(num)
            num += 3
        obj(2, b"<< /Type /Pages /Count %d /Kids [%s] >>"
            % (len(kids), b" ".join(b"%d 0 R" % k for k in kids)))
        obj(1, b"<< /Type /Catalog /Pages 2 0 R >>")
        obj(3, b"<< /Title %s /Producer %s /CreationDate (%s) /ModDate (%s) >>"
            % (_pdf_text(title), _pdf_text(producer), stamp.encode(), stamp.encode()))
        xref = f.tell()
        f.write(b"xref\n0 %d\n0000000000 65535 f \n" % num)
        for i in range(1, num):
            f.write(b"%010d 00000 n \n" % offsets[i])
        ident = digest.hexdigest().encode()
        f.write(b"trailer\n<< /Size %d /Root 1 0 R /Info 3 0 R /ID [<%s> <%s>] >>\n"
                b"startxref\n%d\n%%%%EOF\n" % (num, ident, ident, xref))
    return len(kids)


def _pdf_text(text: str) -> bytes:
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def write_scanned_pdf(doc: Doc, path: Path, rng: random.Random, *, dpi: int = 150,
                      color: bool = False, quality: int = 55) -> int:
    pages = (scan_page(age_scan(p, rng), dpi, quality) for p in layout_pages(doc, rng, dpi, color))
    return write_image_pdf(path, pages, title=doc.title, date=doc.date)


def write_tiff(doc: Doc, path: Path, rng: random.Random, *, dpi: int = 200) -> int:
    """A multi-page bilevel TIFF (CCITT G4), as a fax or an old office scanner makes it."""
    pages = [age_scan(p, rng, blur=False).point(lambda v: 255 if v > 150 else 0).convert("1")
             for p in layout_pages(doc, rng, dpi)]
    if len(pages) == 1:  # a second page: the attachment list, so the file is truly multi-page
        extra = Doc(title=f"{doc.title}（续）", date=doc.date,
                    blocks=[("l", "附：相关照片及材料清单"), ("t", make_table("generic", rng, doc.date,
                                                                                rows=6))])
        pages += [age_scan(p, rng, blur=False).point(lambda v: 255 if v > 150 else 0).convert("1")
                  for p in layout_pages(extra, rng, dpi)]
    pages[0].save(path, format="TIFF", save_all=True, append_images=pages[1:],
                  compression="group4", dpi=(dpi, dpi))
    return len(pages)


# -- photos -------------------------------------------------------------------

SCENES = ("site", "meeting", "equipment", "vehicle", "document")
_ROTATE_FOR_ORIENTATION = {1: None, 3: Image.Transpose.ROTATE_180,
                           6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}


def _sky(draw: ImageDraw.ImageDraw, w: int, h: int, rng: random.Random, until: int) -> None:
    top = (rng.randint(90, 140), rng.randint(150, 190), rng.randint(210, 245))
    for y in range(until):
        t = y / max(1, until)
        draw.line((0, y, w, y), fill=tuple(round(top[i] + (235 - top[i]) * t) for i in range(3)))


def _people(draw: ImageDraw.ImageDraw, rng: random.Random, w: int, ground: int, n: int) -> None:
    for _ in range(n):
        x = rng.randint(w // 10, w * 9 // 10)
        hgt = rng.randint(ground // 4, ground // 3)
        body = (rng.randint(20, 40), rng.randint(40, 60), rng.randint(80, 110))  # 执法制服 blue
        draw.rectangle((x - hgt // 8, ground - hgt * 4 // 5, x + hgt // 8, ground - hgt // 3), fill=body)
        draw.rectangle((x - hgt // 10, ground - hgt // 3, x + hgt // 10, ground), fill=(35, 35, 45))
        r = hgt // 11
        draw.ellipse((x - r, ground - hgt - r // 2, x + r, ground - hgt * 4 // 5 + r // 3),
                     fill=(rng.randint(180, 215), rng.randint(140, 170), 120))


def _scene(kind: str, w: int, h: int, rng: random.Random, banner: str) -> Image.Image:
    img = Image.new("RGB", (w, h), (200, 200, 200))
    d = ImageDraw.Draw(img)
    if kind == "site":
        horizon = rng.randint(h * 3 // 10, h * 5 // 10)
        _sky(d, w, h, rng, horizon)
        x = 0
        while x < w:
            bw, bh = rng.randint(w // 6, w // 3), rng.randint(h // 10, h // 4)
            shade = rng.randint(150, 215)
            d.rectangle((x, horizon - bh, x + bw, horizon), fill=(shade, shade, shade - 10))
            d.rectangle((x, horizon - bh, x + bw, horizon - bh + bh // 8),
                        fill=(rng.randint(30, 70), rng.randint(80, 120), rng.randint(140, 180)))
            x += bw + rng.randint(0, w // 20)
        cx = rng.randint(w // 5, w * 4 // 5)
        d.rectangle((cx, horizon - h // 3, cx + w // 30, horizon), fill=(160, 150, 140))
        d.rectangle((0, horizon, w, h), fill=(rng.randint(110, 140),) * 3)
        d.polygon([(w // 3, h), (w // 2, horizon + h // 10), (w * 3 // 5, horizon + h // 10),
                   (w * 3 // 4, h)], fill=(80, 95, 90))  # drainage channel
        _people(d, rng, w, rng.randint(h * 7 // 10, h * 9 // 10), rng.randint(1, 3))
    elif kind == "meeting":
        d.rectangle((0, 0, w, h), fill=(rng.randint(200, 230), rng.randint(190, 215), 170))
        d.rectangle((0, 0, w, h // 7), fill=(180, 20, 25))
        d.rectangle((w // 6, h // 6, w * 5 // 6, h * 2 // 5), fill=(60, 90, 150))
        for row in range(3):
            y = h // 2 + row * h // 7
            d.rectangle((0, y + h // 20, w, y + h // 12), fill=(120, 80, 50))
            for k in range(6):
                x = k * w // 6 + rng.randint(0, w // 20)
                d.ellipse((x, y, x + w // 14, y + w // 14), fill=(30, 25, 25))
                d.rectangle((x - w // 60, y + w // 14, x + w // 12, y + h // 12),
                            fill=rng.choice([(30, 45, 90), (240, 240, 240), (40, 40, 40)]))
    elif kind == "equipment":
        d.rectangle((0, 0, w, h), fill=(rng.randint(200, 225),) * 3)
        d.rectangle((0, h * 2 // 5, w, h), fill=(rng.randint(140, 170), rng.randint(100, 120), 70))
        for _ in range(rng.randint(3, 6)):
            x, y = rng.randint(0, w * 3 // 4), rng.randint(h // 2, h * 4 // 5)
            bw, bh = rng.randint(w // 8, w // 4), rng.randint(h // 12, h // 6)
            col = rng.choice([(40, 40, 45), (230, 230, 225), (200, 120, 30), (30, 60, 120)])
            d.rounded_rectangle((x, y, x + bw, y + bh), radius=bw // 10, fill=col)
            d.rectangle((x + bw // 5, y + bh // 5, x + bw * 3 // 5, y + bh // 2), fill=(90, 160, 120))
    elif kind == "vehicle":
        horizon = h * 2 // 5
        _sky(d, w, h, rng, horizon)
        d.rectangle((0, horizon, w, h), fill=(95, 95, 100))
        top = h // 2
        d.rounded_rectangle((w // 10, top, w * 9 // 10, top + h // 4), radius=w // 20,
                            fill=(245, 245, 245))
        d.rectangle((w // 10, top + h // 8, w * 9 // 10, top + h // 6), fill=(20, 80, 170))
        for x in (w // 4, w * 3 // 4):
            d.ellipse((x - w // 12, top + h // 5, x + w // 12, top + h // 5 + w // 6), fill=(25, 25, 25))
    else:  # a paper on a desk
        d.rectangle((0, 0, w, h), fill=(rng.randint(120, 160), rng.randint(85, 105), 60))
        m = w // 10
        d.polygon([(m, m + rng.randint(0, m)), (w - m, m), (w - m + rng.randint(0, m // 2), h - m),
                   (m - rng.randint(0, m // 2), h - m)], fill=(238, 236, 228))
        for y in range(m * 2, h - m * 2, max(3, h // 40)):
            d.line((m * 2, y, w - m * 2 - rng.randint(0, m * 3), y), fill=(110, 110, 110),
                   width=max(1, h // 400))
    del d
    return img.filter(ImageFilter.GaussianBlur(max(1, w // 300)))


def photo_base(rng: random.Random, *, scene: str, size: tuple[int, int], banner: str = "",
               noise: float = 6.0) -> Image.Image:
    """An upright phone photo of a scene, without the time and place stamp."""
    w, h = size
    img = _scene(scene, max(64, w // 4), max(64, h // 4), rng, banner)
    img = img.resize((w, h), Image.Resampling.BILINEAR)
    if scene in ("meeting", "vehicle") and banner:  # sharp text after upscaling
        text = banner if scene == "meeting" else "生态环境执法"
        font = pil_font("hei", max(8, w // (len(text) + 4)))
        y = h // 30 if scene == "meeting" else h // 2 + h // 40
        ImageDraw.Draw(img).text((w // 2, y), text, font=font,
                                 fill=(255, 235, 60) if scene == "meeting" else (20, 80, 170),
                                 anchor="mt")
    return _add_noise(img, rng, noise)


def stamp_photo(img: Image.Image, when: dt.datetime, place: str) -> Image.Image:
    """The 水印相机 stamp (time, date, place) that staff put on site photos; draws in place."""
    w, h = img.size
    d = ImageDraw.Draw(img)
    big = pil_font("hei", max(10, w // 12))
    small = pil_font("hei", max(8, w // 32))
    x, y = w // 24, h - h // 6
    d.rectangle((x, y - w // 100, x + w // 120, y + big.size + small.size * 3), fill=(250, 200, 30))
    d.text((x + w // 40, y), when.strftime("%H:%M"), font=big, fill="white")
    d.text((x + w // 40, y + big.size * 1.2), when.strftime("%Y-%m-%d"), font=small, fill="white")
    d.text((x + w // 40, y + big.size * 1.2 + small.size * 1.4), place, font=small, fill="white")
    return img


def photo_image(rng: random.Random, *, scene: str, size: tuple[int, int], when: dt.datetime,
                place: str, banner: str = "", noise: float = 6.0) -> Image.Image:
    """An upright, stamped phone photo."""
    img = photo_base(rng, scene=scene, size=size, banner=banner, noise=noise)
    return stamp_photo(img, when, place)


def save_photo(img: Image.Image, path: Path, rng: random.Random, *, when: dt.datetime,
               orientation: int = 1, quality: int = 85) -> None:
    """Save an upright photo as a phone does: with orientation 6 or 8 the pixels are stored
    sideways and the EXIF Orientation tag says how to turn them upright."""
    turn = _ROTATE_FOR_ORIENTATION[orientation]
    if turn is not None:
        img = img.transpose(turn)
    make, model = rng.choice(PHONES)
    img.save(path, "JPEG", quality=quality, exif=_exif(when, orientation, make, model),
             dpi=(72, 72))


def _exif(when: dt.datetime, orientation: int, make: str, model: str) -> Image.Exif:
    exif = Image.Exif()
    stamp = when.strftime("%Y:%m:%d %H:%M:%S")
    exif[0x010F] = make
    exif[0x0110] = model
    exif[0x0112] = orientation
    exif[0x0132] = stamp
    exif[0x0131] = "示例相机 1.0"
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = stamp
    sub[0x9004] = stamp
    return exif


PHONES = [("HUAWEI", "ELE-AL00"), ("Xiaomi", "M2007J3SC"), ("OPPO", "PDEM10"), ("vivo", "V2049A")]


def write_photo(path: Path, rng: random.Random, *, scene: str, when: dt.datetime, place: str,
                size: tuple[int, int] = (1200, 1600), orientation: int = 1, banner: str = "",
                quality: int = 85, noise: float = 6.0) -> None:
    """A phone JPEG (see ``save_photo`` for the orientation)."""
    img = photo_image(rng, scene=scene, size=size, when=when, place=place, banner=banner,
                      noise=noise)
    save_photo(img, path, rng, when=when, orientation=orientation, quality=quality)


def write_heic(path: Path, rng: random.Random, *, scene: str, when: dt.datetime, place: str,
               size: tuple[int, int] = (1200, 1600), banner: str = "", quality: int = 60,
               noise: float = 6.0, preset: str | None = None) -> None:
    """An iPhone-style HEIC photo (upright, orientation 1). ``preset="ultrafast"`` makes
    x265 about ten times faster on large photos."""
    import pillow_heif

    img = photo_image(rng, scene=scene, size=size, when=when, place=place, banner=banner,
                      noise=noise)
    heif = pillow_heif.from_pillow(img)
    heif.info["exif"] = _exif(when, 1, "Apple", "iPhone 12").tobytes()
    heif.save(path, quality=quality, **({"enc_params": {"preset": preset}} if preset else {}))


def write_screenshot(path: Path, rng: random.Random, *, system: str, doc: Doc,
                     size: tuple[int, int] = (1366, 768)) -> None:
    """A PNG screenshot of a web system page with a data table (系统截图)."""
    w, h = size
    img = Image.new("RGB", size, (240, 242, 245))
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, w, 56), fill=(22, 93, 160))
    d.text((20, 14), system, font=pil_font("hei", 24), fill="white")
    d.text((w - 20, 18), f"{SHORT_UNIT}  管理员", font=pil_font("hei", 16), fill="white", anchor="ra")
    d.rectangle((0, 56, 180, h), fill=(38, 50, 64))
    for i, item in enumerate(["首页", "执法检查", "案件办理", "人员管理", "统计分析", "系统设置"]):
        y = 76 + i * 44
        if i == 4:
            d.rectangle((0, y - 8, 180, y + 30), fill=(22, 93, 160))
        d.text((30, y), item, font=pil_font("hei", 17), fill=(230, 230, 230))
    d.rectangle((196, 72, w - 16, h - 16), fill="white")
    d.text((216, 88), doc.title, font=pil_font("hei", 20), fill=(40, 40, 40))
    d.text((216, 120), f"统计时间：{doc.date.year}-01-01 至 {doc.date.isoformat()}",
           font=pil_font("body", 15), fill=(100, 100, 100))
    table = doc.table()
    if table:
        header, rows = table
        font = pil_font("body", 14)
        x0, x1 = 216, w - 36
        colw = (x1 - x0) / len(header)
        y = 152
        d.rectangle((x0, y, x1, y + 30), fill=(230, 238, 248))
        for i, text in enumerate(header):
            d.text((x0 + colw * i + 6, y + 7), text, font=font, fill=(30, 30, 30))
        for r, row in enumerate(rows):
            y += 30
            if y + 30 > h - 40:
                break
            if r % 2:
                d.rectangle((x0, y, x1, y + 30), fill=(248, 249, 251))
            for i, text in enumerate(row):
                d.text((x0 + colw * i + 6, y + 7), text[:int(colw // 14)], font=font, fill=(60, 60, 60))
        d.text((x1, h - 34), f"共 {len(rows)} 条", font=font, fill=(120, 120, 120), anchor="ra")
    img.save(path, "PNG", compress_level=9)
