"""Build the demo workspace at the repository root: ``manifests/2022.yaml`` and ``evidence/2022/``.

The generated files are committed (they are the demo that ``dossier check/score/build`` run
on); ``make demo`` does not regenerate them. Run this script after changing it:

    .venv/bin/python devtools/make_demo.py            # rewrites the demo at the repo root
    .venv/bin/python devtools/make_demo.py --root DIR  # the same files elsewhere (tests)

The output is byte-identical from run to run. The folders and 说明.txt come from
``dossier.workspace.init_workspace`` so that the layout is exactly what ``dossier init`` makes;
everything else in ``evidence/2022`` is written here and nowhere else.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from devtools import synth  # noqa: E402
from dossier.manifest import load_manifest  # noqa: E402
from dossier.standard import load_standard  # noqa: E402
from dossier.workspace import existing_folders, init_workspace  # noqa: E402

YEAR = 2022
UNIT = synth.UNIT
BUILD_DATE = dt.date(2022, 12, 20)
SEED = 2022
PHOTO_SIZE = (1200, 1600)

# Criteria left without evidence on purpose: two claimed above 0 (check reports them as
# blocking, their points at risk) and two claimed 0 (not met, nothing needed).
DELIBERATELY_MISSING = {"5.3.3": 1, "9.4.2": 0.5, "2.1.2": 0, "11.1.2": 0}

# code | format | content kind | file name (no extension) | ledger, photo scene[:banner] or system
# formats: pdf (text PDF), scan / scanc (grey / colour scanned PDF), tif (multi-page TIFF),
# docx, xlsx, txt, jpg / jpg6 / jpg8 (phone photo, EXIF orientation 1 / 6 / 8), heic, png.
# A code of a tertiary indicator (S.T) puts the file directly in the tertiary folder.
PLAN = """
1.1.1|scan|notice|关于调整第四党支部委员会组成人员的通知
1.1.1|pdf|minutes|2022年第四党支部组织生活会会议纪要
1.1.1|jpg6|photo|组织生活会照片|meeting:2022年度组织生活会
1.1.2|pdf|notice|关于印发《2022年度党建工作和学习计划》的通知
1.1.3|docx|system|“三重一大”集体决策制度
1.1.3|xlsx|ledger|2022年重大事项决议清单|generic
1.2.1|scan|signin|学习贯彻党的二十大精神专题党课签到表
1.2.1|jpg|photo|专题党课现场照片|meeting:学习贯彻党的二十大精神专题党课
1.2.2|pdf|notice|关于成立党员突击队和设立党员先锋岗的通知
1.2.2|jpg8|photo|党员先锋岗照片|site
1.2.3|pdf|notice|关于印发《2022年度评优评先和党建考核办法》的通知
2.1.1|scanc|certificate|入选泉州市环境执法人才库证书
2.1.3|pdf|system|专家和法律顾问参与重大案件办理工作机制
2.1.3|scan|minutes|重大案件集体讨论会议纪要
2.2.1|pdf|plan|2022年“送法入企”普法宣传活动方案
2.2.1|jpg|photo|送法入企宣讲照片|meeting:“送法入企”生态环境法律宣讲
2.2.1|jpg6|photo|发放普法宣传材料照片|site
2.2.2|pdf|report|关于报送执法帮扶典型案例的报告
2.3.1|scan|news|示例县融媒体中心报道：执法大队查处偷排案件
2.3.2|scanc|news|福建示例报报道：示例县开展送法入企活动
3.1|xlsx|ledger|执法装备配备情况汇总表|equipment
3.1.1|scan|ledger|执法执勤专用车登记表|equipment
3.1.1|jpg|photo|执法执勤车辆照片|vehicle
3.1.2|xlsx|ledger|移动执法终端和执法包配发登记表|equipment
3.1.3|pdf|ledger|现场执法辅助设备清单|equipment
3.1.3|jpg8|photo|无人机等辅助设备照片|equipment
3.1.4|scan|ledger|便携式检测设备验收单|equipment
3.1.5|xlsx|ledger|通讯和办公设备资产清单|equipment
3.1.6|pdf|report|关于污染源在线监控系统运行维护情况的报告
3.1.7|scan|ledger|2022年增补执法装备采购清单|equipment
3.2.1|pdf|system|执法装备管理制度
3.2.1|docx|ledger|执法装备使用台账|usage
3.3.1|xlsx|ledger|执法记录仪及存储设备配备台账|equipment
3.3.1|jpg|photo|执法记录仪存储工作站照片|equipment
3.3.2|pdf|system|执法全过程记录实施办法
3.3.2|xlsx|ledger|执法记录仪使用登记台账|usage
4.1.1|xlsx|ledger|制式服装和标志配发管理台账|uniform
4.2.1|scan|ledger|2022年制式服装领取签收表|uniform
4.2.2|jpg|photo|现场执法规范着装照片|site
4.2.2|heic|photo|着装风纪检查照片|meeting:执法人员着装风纪检查
5.1.1|pdf|system|信息化管理制度
5.1.2|txt|notice|关于指定信息化系统管理员的通知
5.2.1|png|ledger|移动执法系统登录情况统计截图|logins
5.2.1|xlsx|ledger|移动执法系统账号开设情况|staff
5.2.2|png|ledger|移动执法系统案件办理情况截图|cases
5.3.1|pdf|system|非现场执法检查工作机制
5.3.2|scan|penalty|无人机巡查发现违法行为行政处罚决定书
5.3.2|jpg|photo|无人机航拍照片|site
5.4.1|pdf|report|关于利用排口排查和遥感监测开展辅助执法情况的报告
6.1.1|pdf|notice|关于印发《2022年度执法人员培训计划》的通知
6.1.1|xlsx|ledger|2022年执法业务培训台账|training
6.1.2|scan|notice|关于选派执法人员到市执法支队跟班学习的通知
6.2.1|xlsx|ledger|执法人员学历和专业情况统计表|staff
6.3.1|pdf|plan|“局队站合一”运行工作方案
6.4.1|pdf|system|行政执法证件管理制度
6.4.2|xlsx|ledger|执法人员持证情况统计表|staff
6.5.1|docx|ledger|一线执法人员名单|staff
6.5.2|scan|report|关于执法人员借调情况的说明
6.5.3|pdf|report|关于借调人员比例情况的报告
7.1.1|pdf|notice|关于印发《2022年执法大练兵工作方案》的通知
7.1.2|scanc|certificate|执法业务技能竞赛获奖证书
7.1.2|jpg6|photo|执法技能竞赛现场照片|meeting:2022年执法业务技能竞赛
7.2.1|jpg|photo|军训队列训练照片|site
7.2.1|scan|signin|集中体能训练签到表
8.1|pdf|report|2022年执法检查工作总结
8.1.1|pdf|notice|关于印发《2022年度执法检查计划》的通知
8.1.2|xlsx|ledger|2022年现场检查计划执行情况台账|cases
8.2.1|pdf|notice|关于印发《“双随机、一公开”抽查工作实施细则》的通知
8.2.1|xlsx|ledger|执法检查人员名录库|staff
8.3.1|pdf|notice|关于印发《监督执法正面清单动态管理办法》的通知
8.4.1|scan|notice|关于派员参加全市交叉执法检查的通知
8.5.1|pdf|system|重大案件专案查办制度
8.6.1|pdf|system|典型执法案例指导制度
8.6.2|pdf|report|关于报送第三季度典型案例的报告
8.6.2|scan|report|关于报送第一季度典型案例的报告
9.1.1|pdf|notice|关于建立测管联动联训机制的通知
9.1.2|jpg8|photo|测管联训现场照片|site
9.1.2|scan|signin|测管联训签到表
9.1.3|scan|penalty|测管联动案件行政处罚决定书
9.2.1|pdf|notice|关于印发《生态环境保护综合行政执法联动机制》的通知
9.2.2|scan|minutes|生态环境执法部门联席会议纪要
9.2.3|jpg|photo|联合执法检查照片|site
9.2.3|docx|ledger|2022年联合执法行动台账|generic
9.3.1|scan|minutes|“两法衔接”部门联席会议纪要
9.3.2|pdf|report|关于重大环境违法案件联合督办情况的报告
9.4.1|pdf|notice|关于印发《示例县生态环境违法行为举报奖励办法》的通知
9.5.1|pdf|system|环保网格员管理制度
9.5.2|scan|signin|环保网格员业务培训签到表
9.5.2|jpg6|photo|网格员培训照片|meeting:环保网格员业务培训
9.5.3|xlsx|ledger|2022年网格巡查线索转执法台账|grid
10.1.1|png|ledger|行政处罚案件信息公示截图|cases
10.1.2|pdf|penalty|行政处罚决定书（公示版）
10.2.1|pdf|report|关于执法稽查反馈问题整改情况的报告
10.3.1|pdf|system|执法人员廉洁守纪承诺制度
10.3.1|tif|system|执法人员廉洁守纪承诺书
11.1.1|scanc|certificate|全省生态环境执法大练兵表现突出个人证书
B1|scanc|certificate|全省生态环境执法大练兵表现突出个人证书（张某某）
B1|scanc|certificate|全省生态环境执法大练兵表现突出个人证书（李某某）
B2|pdf|notice|关于为全体执法人员购买第三方意外伤害保险的通知
D2|pdf|notice|关于示例县生态环境保护综合执法大队稽查约谈情况的通报
12.1.1|xlsx|ledger|个人防护用品发放登记表|ppe
12.1.1|jpg|photo|个人防护用品照片|equipment
12.2.1|scan|report|关于为本单位人员缴纳工伤保险的情况说明
12.3.1|xlsx|ledger|2022年职工健康体检名单|staff
12.3.2|pdf|notice|关于开展心理健康和疾病预防讲座的通知
12.3.2|jpg|photo|心理健康讲座照片|meeting:心理健康与疾病预防讲座
13.1.1|pdf|report|2022年度执法效能评估自评报告
13.1.1|png|ledger|执法效能评估得分截图|generic
"""

# 自评: points below the maximum; every other criterion is claimed in full.
PARTIAL = {"3.1.1": 1, "6.1.2": 2, "8.6.2": 0.5, "2.2.2": 0.5, "13.1.1": 22.5}

NOTES = {
    "1.1.1": "已健全第四党支部委员会，全年召开组织生活会4次，“三会一课”记录完整",
    "1.1.2": "印发2022年度党建工作和学习计划，全年开展集中学习24次",
    "1.1.3": "落实“三重一大”集体决策制度，制定重大事项决议清单",
    "1.2.1": "组织学习贯彻党的二十大精神专题党课，结合执法业务培训开展",
    "1.2.2": "成立党员突击队，设立党员先锋岗3个，评选“最美环保人”1名",
    "1.2.3": "印发评优评先和党建考核办法，党建考核权重提高到30%",
    "2.1.1": "2名执法骨干入选泉州市环境执法人才库，其中1名入选师资库",
    "2.1.2": "本年度无执法骨干入选省级或国家人才库、师资库",
    "2.1.3": "建立专家、法律顾问和公职律师参与重大案件办理机制",
    "2.2.1": "落实“谁执法谁普法”，开展“送法入企”12场，印发宣传材料3000份",
    "2.2.2": "向市局报送执法帮扶典型案例2个，未向省级报送",
    "2.3.1": "示例县融媒体中心全年刊发我队执法工作报道6篇，图文并茂",
    "2.3.2": "福建示例报刊发我队“送法入企”活动报道1篇",
    "3.1.1": "配备执法执勤专用车3辆，尚未达到标准配备数量",
    "3.1.2": "持证执法人员均配发移动执法终端和移动执法包",
    "3.1.3": "配备无人机、红外热成像仪、采样设备等辅助设备",
    "3.1.4": "配备PID检测仪、油气回收三项检测仪等便携设备",
    "3.1.5": "固定电话、计算机、打印机、扫描仪等通讯和办公设备配备齐全，建有资产清单",
    "3.1.6": "污染源在线监控系统委托第三方运行维护，运行正常",
    "3.1.7": "结合工作需要增补便携式流量计、快检试剂包等设备",
    "3.2.1": "建立执法装备管理制度和使用台账，及时报废更新",
    "3.3.1": "配备执法记录仪28台及视频管理存储工作站",
    "3.3.2": "现场执法全程使用执法记录仪，视频按规定保存",
    "4.1.1": "建立制式服装和标志配发管理台账，按人登记领取情况",
    "4.2.1": "2022年度制式服装和标志已全部配发到位",
    "4.2.2": "执法时严格按要求规范着装，定期开展着装风纪检查",
    "5.1.1": "制定本单位信息化管理制度，明确系统使用和数据安全要求",
    "5.1.2": "发文指定信息中心专人担任本级系统管理员，负责信息化管理",
    "5.2.1": "持证人员均已设立移动执法账号，月均登录4.3次",
    "5.2.2": "执法业务均在移动执法系统办理，案件及时更新提交",
    "5.3.1": "建立非现场执法检查工作机制，明确线索发现和处置流程",
    "5.3.2": "通过无人机巡查发现并查处违法案件2起，线索均已立案",
    "5.3.3": "查办在线监测数据造假案件1起，已移送公安机关",
    "5.4.1": "借助排口排查、遥感监测等手段建立辅助执法机制",
    "6.1.1": "制定年度执法人员培训计划，全年组织业务培训8期",
    "6.1.2": "选派1名执法人员到市执法支队跟班学习，未接收蹲点锻炼",
    "6.2.1": "执法人员大专以上学历占95.2%，近三年新入编人员相关专业占66.7%",
    "6.3.1": "建立“局队站合一”运行方式，执法与监测协同",
    "6.4.1": "建立执法证件考试、申领、换发和台账管理制度",
    "6.4.2": "执法人员（不含近三年新进）持证比例91.7%",
    "6.5.1": "一线执法人员40人，占本单位人员83.3%",
    "6.5.2": "借调到其他单位非执法岗位3人，占总人数6.3%",
    "6.5.3": "借调比例6.3%，未超过10%，无需报市级执法部门同意",
    "7.1.1": "印发执法大练兵工作方案，建立常态化练兵机制",
    "7.1.2": "组织执法业务技能竞赛1次，评出优胜个人6名",
    "7.2.1": "组织本辖区执法人员开展军训队列活动和集中体能训练各1次",
    "8.1.1": "结合双随机抽查和重点监管，制定并印发2022年度执法检查计划",
    "8.1.2": "按计划完成现场检查615家次，计划完成率100%，建有执行台账",
    "8.2.1": "建立“两单两库一细则”，按比例开展双随机抽查",
    "8.3.1": "对正面清单内企业实施差别化管理，以非现场检查为主",
    "8.4.1": "派员参加市局组织的全市交叉执法检查2次，共4人次",
    "8.5.1": "建立专案查办制度，对重大案件实行专案专办、挂牌督办",
    "8.6.1": "建立本单位典型执法案例指导制度，定期组织案例研讨",
    "8.6.2": "第一、三季度按时报送典型案例，第二、四季度未按时报送",
    "9.1.1": "与监测站建立测管联动联训和能力互补调配机制",
    "9.1.2": "与县监测站联合组织测管联训活动2次，参训42人次",
    "9.1.3": "办理涉及测管联动的执法案件3起，监测数据作为处罚依据",
    "9.2.1": "会同自然资源、住建、水利等部门建立执法联动机制",
    "9.2.2": "建立联席会议和信息共享制度，全年召开联席会议2次",
    "9.2.3": "会同自然资源、水利等部门组织开展联合执法行动5次",
    "9.3.1": "优化“两法衔接”工作机制，召开部门联席会议2次",
    "9.3.2": "对1起重大案件实施部门联合督办，汇编典型案例2个",
    "9.4.1": "会同县财政局出台示例县生态环境违法行为举报奖励办法",
    "9.4.2": "本年度兑现群众举报奖励1起，奖励金额2000元",
    "9.5.1": "制定环保网格员管理制度，明确网格员巡查和报告职责",
    "9.5.2": "开展环保网格员业务培训2期，覆盖全县8个乡镇（街道）",
    "9.5.3": "全年网格巡查线索转执法7条，均已办结，以系统数据为准",
    "10.1.1": "在本级生态环境部门官网及时公示行政处罚案件信息38条",
    "10.1.2": "公示内容、标准、格式符合规范要求，未发现公示错误",
    "10.2.1": "对市级稽查发现的3个问题按时整改并书面反馈",
    "10.3.1": "实行执法人员廉洁守纪承诺制度，全员签订承诺书",
    "11.1.1": "1名执法人员获全省执法大练兵表现突出个人通报表扬",
    "11.1.2": "本年度本辖区无执法人员获部级通报表扬或表彰",
    "12.1.1": "为一线执法人员配备防护服、防毒面具等防护用品",
    "12.2.1": "为本单位全体在编和编外人员足额缴纳工伤保险",
    "12.3.1": "组织全体人员开展年度健康体检，体检率100%",
    "12.3.2": "邀请县医院开展心理健康和疾病预防讲座1次",
    "13.1.1": "2022年度执法效能评估得分75分，按系统数据折算22.5分",
}

FACTS = {
    "efficiency_score": 75, "enforcement_staff": 42, "college_staff": 40, "new_hires_3y": 6,
    "new_hires_3y_relevant": 4, "enforcement_staff_excl_new": 36, "certified_excl_new": 33,
    "staff_total": 48, "frontline_staff": 40, "seconded_staff": 3, "secondment_reported": False,
    "grid_leads": 7, "mobile_accounts_complete": True, "avg_monthly_logins": 4.3,
}

REPORT = {
    "recipient": "泉州市生态环境局",
    "doc_number": "示环执〔2022〕68号",
    "signer": "陈建国",
    "opening": "根据《福建省生态环境保护综合行政执法机构规范化建设工作方案》和市局工作部署，我队对照"
               "规范化建设评价标准，逐项梳理全年工作，开展了2022年度规范化建设自查自评。"
               "现将有关情况报告如下：",
    "summary": "我队现有人员48人，其中执法人员42人、持证执法人员37人，下设4个执法中队。2022年，"
               "我队对照规范化建设标准，全面加强执法队伍、装备、制度和信息化建设，全年出动执法人员"
               "1260人次，检查企业615家次，立案查处环境违法案件38起，罚没款312万元。",
    "highlights": ["推进非现场执法，利用无人机巡查发现并查处违法案件2起",
                   "落实“谁执法谁普法”，开展“送法入企”活动12场"],
    "work": {
        "1": ["健全第四党支部委员会，全年召开组织生活会4次、开展集中学习24次，落实“三重一大”"
              "集体决策制度，党建考核权重提高到30%。",
              "设立党员先锋岗3个，成立党员突击队；2名执法骨干入选泉州市环境执法人才库，"
              "开展“送法入企”活动12场，县融媒体中心刊发我队执法工作报道6篇。"],
        "2": ["配备执法执勤专用车3辆，持证执法人员均配发移动执法终端和执法包，配备无人机、"
              "红外热成像仪、执法记录仪28台等装备，建立装备管理制度和使用台账。",
              "建立制式服装和标志配发台账，2022年度服装已全部配发到位，定期开展着装风纪检查。"],
        "3": ["持证人员均开设移动执法账号，执法业务全部在系统内办理；建立非现场执法机制，"
              "通过无人机巡查发现并查处违法案件2起。",
              "全年组织业务培训8期，执法人员持证比例91.7%，一线执法人员占83.3%；"
              "印发执法大练兵工作方案，组织技能竞赛1次、军训队列和体能训练各1次。"],
        "4": ["印发年度执法检查计划，完成现场检查615家次，落实“两单两库一细则”双随机抽查；"
              "派员参加全市交叉执法检查2次。",
              "与县监测站联合开展测管联训2次，会同相关部门开展联合执法行动5次，"
              "对1起重大案件实施联合督办；公示行政处罚案件信息38条，市级稽查发现的3个问题均已整改。"],
        "5": ["1名执法人员获全省执法大练兵表现突出个人通报表扬；为一线执法人员配备防护用品，"
              "为全体人员缴纳工伤保险并购买第三方意外保险，组织年度健康体检。"],
        "6": ["参加2022年度执法效能评估，得分75分，按系统数据折算22.5分；"
              "对评估中反映的短板逐项分析，纳入下一年度工作计划。"],
    },
    "problems": ["执法执勤专用车配备尚未达到标准数量，装备更新资金不足",
                 "跟班学习、蹲点锻炼等人才培养渠道较少",
                 "典型案例报送不够及时，第二、四季度未按时报送"],
    "plans": ["积极争取财政支持，2023年增配执法执勤专用车1辆",
              "加强与市执法支队的人员交流，常态化开展跟班学习",
              "建立典型案例季度报送提醒机制，确保按时报送"],
    "copy_to": ["泉州市生态环境保护综合执法支队", "示例县人民政府"],
}

SYSTEMS = {"logins": "福建省生态环境移动执法系统", "cases": "福建省生态环境移动执法系统",
           "generic": "福建省生态环境执法效能评估系统"}
SCAN_DPI = 150


def plan_rows() -> list[tuple[str, str, str, str, str]]:
    rows = []
    for line in PLAN.strip().splitlines():
        code, fmt, kind, name, *extra = line.split("|")
        rows.append((code, fmt, kind, name, extra[0] if extra else ""))
    return rows


_EXT = {"pdf": "pdf", "scan": "pdf", "scanc": "pdf", "tif": "tif", "docx": "docx", "xlsx": "xlsx",
        "txt": "txt", "jpg": "jpg", "jpg6": "jpg", "jpg8": "jpg", "heic": "heic", "png": "png"}


def write_evidence(path: Path, fmt: str, kind: str, name: str, extra: str,
                   rng: random.Random) -> None:
    """One evidence file; ``rng`` is seeded from the file's path, so files are independent."""
    date = synth.day_in(rng, YEAR, 1, 11)
    if kind == "photo":
        scene, _, banner = extra.partition(":")
        when = dt.datetime(date.year, date.month, date.day, rng.randint(8, 17), rng.randint(0, 59))
        place = f"示例县{rng.choice(synth.TOWNS)}"
        if fmt == "heic":
            synth.write_heic(path, rng, scene=scene, when=when, place=place, size=PHOTO_SIZE,
                             banner=banner, quality=50)
        else:
            orientation = {"jpg": 1, "jpg6": 6, "jpg8": 8}[fmt]
            synth.write_photo(path, rng, scene=scene, when=when, place=place, size=PHOTO_SIZE,
                              orientation=orientation, banner=banner, quality=72, noise=3)
        return
    title = re.sub(r"^.+?报道：", "", name) if kind == "news" else name
    doc = synth.compose(kind, title, rng, date, ledger=extra or "generic")
    if fmt == "pdf":
        synth.write_text_pdf(doc, path)
    elif fmt in ("scan", "scanc"):
        synth.write_scanned_pdf(doc, path, rng, dpi=SCAN_DPI, color=fmt == "scanc", quality=50)
    elif fmt == "tif":
        synth.write_tiff(doc, path, rng, dpi=200)
    elif fmt == "docx":
        synth.write_docx(doc, path)
    elif fmt == "xlsx":
        synth.write_xlsx(doc, path)
    elif fmt == "txt":
        synth.write_txt(doc, path)
    elif fmt == "png":
        synth.write_screenshot(path, rng, system=SYSTEMS[extra], doc=doc)
    else:
        raise ValueError(fmt)


def claims(standard) -> dict[str, tuple[float, str]]:
    out = {}
    for c in standard.criteria():
        points = DELIBERATELY_MISSING.get(c.code, PARTIAL.get(c.code, c.points))
        out[c.code] = (points, NOTES[c.code])
    return out


def _num(value) -> str:
    text = f"{value:f}" if not isinstance(value, int | float) else repr(value)
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return text


def render_manifest(standard) -> str:
    q = lambda text: json.dumps(text, ensure_ascii=False)  # noqa: E731
    out = [f"# {UNIT} {YEAR}年度 规范化建设自评清单（演示数据，单位和内容均为虚构）",
           "# yaml-language-server: $schema=manifest.schema.json",
           f"standard: {standard.id}",
           f"unit: {UNIT}",
           f"year: {YEAR}",
           f"date: {BUILD_DATE.isoformat()}          # 成文日期，也是生成材料使用的固定日期",
           "", "# 自评：自评得分和自评说明", "claims:"]
    claimed = claims(standard)
    for t in standard.tertiaries():
        out.append(f"  # {t.code} {t.name}（{_num(t.points)}分） 责任科室：{'、'.join(t.departments)}")
        for c in t.criteria:
            points, note = claimed[c.code]
            out.append(f"  \"{c.code}\": {{points: {_num(points)}, note: {q(note)}}}"
                       f"   # {c.short}（{_num(c.points)}分）")
    out += ["", "evidence: {}                         # 佐证材料按文件夹对应", "exclude: []", "",
            "# 系统数据（以系统数据为准）", "facts:"]
    for key, value in FACTS.items():
        text = ("true" if value else "false") if isinstance(value, bool) else _num(value)
        out.append(f"  {key}: {text}")
    out += ["", "bonus:",
            "  B1: {national_collective: false, national_individuals: 0, provincial_collective: false, "
            "provincial_individuals: 2}   # 2人获评全省大练兵表现突出个人",
            "  B2: true                             # 已为全体人员购买第三方意外保险",
            "", "deductions:",
            "  D1: {unit_or_leadership: false, staff: false}",
            "  D2: {provincial: 0, city: 1}         # 市级稽查约谈1次",
            "", "# 年度工作进展和总结报告", "report:"]
    for key, value in REPORT.items():
        if isinstance(value, dict):  # work: per primary indicator
            out.append(f"  {key}:")
            for code, items in value.items():
                out.append(f"    \"{code}\":")
                out += [f"      - {q(item)}" for item in items]
        elif isinstance(value, list):
            out.append(f"  {key}:")
            out += [f"    - {q(item)}" for item in value]
        else:
            out.append(f"  {key}: {q(value)}")
    return "\n".join(out) + "\n"


def build(root: Path) -> list[Path]:
    """Write the demo workspace under ``root``; returns the files written here (not by init)."""
    root = Path(root)
    evidence = root / "evidence" / str(YEAR)
    manifest = root / "manifests" / f"{YEAR}.yaml"
    if evidence.exists():
        shutil.rmtree(evidence)
    manifest.unlink(missing_ok=True)
    init_workspace(root, year=YEAR, unit=UNIT)
    standard = load_standard()
    folders = existing_folders(evidence)
    written = []
    for code, fmt, kind, name, extra in plan_rows():
        if code in DELIBERATELY_MISSING:
            raise ValueError(f"{code} is meant to have no evidence")
        if code.count(".") == 2:
            tertiary = code.rsplit(".", 1)[0]
            folder = evidence / folders[tertiary] / folders[code]
        else:
            folder = evidence / folders[code]
        path = folder / f"{name}.{_EXT[fmt]}"
        rng = random.Random(f"{SEED}:{code}:{name}")
        write_evidence(path, fmt, kind, name, extra, rng)
        written.append(path)
    manifest.write_text(render_manifest(standard), encoding="utf-8")
    load_manifest(manifest, standard)  # the demo must always load
    written.append(manifest)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="workspace folder (default: repo root)")
    args = parser.parse_args(argv)
    written = build(args.root)
    size = sum(p.stat().st_size for p in (args.root / "evidence" / str(YEAR)).rglob("*") if p.is_file())
    print(f"{len(written) - 1} evidence files, {size / 1e6:.1f} MB in {args.root / 'evidence' / str(YEAR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
