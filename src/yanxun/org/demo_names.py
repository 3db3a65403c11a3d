"""Word lists for the demo district: people's names and place names, typed for this project.

The district 滨江区 and its towns and villages are fictional. Surname weights are rough
frequencies (per mille), enough to make a roster look like a real one (many 王 and 李, a few
欧阳). Lists are written as space-separated strings to keep this file short.
"""

import re

DISTRICT_NAME = "滨江区"
DISTRICT_SHORT = "滨江"
# 行政区划代码 of the fictional district (city 99 does not exist in province 33) and of two
# fictional neighbours, used as the first six digits of teachers' 身份证号.
DISTRICT_CODE = "339901"
NEIGHBOUR_CODES = ("339902", "339903")
CENTER_NAME = "滨江区教师发展中心"


def words(text: str) -> tuple[str, ...]:
    """'城东 城南' -> ('城东', '城南')"""
    return tuple(text.split())


def weighted_words(text: str) -> tuple[tuple[str, int], ...]:
    """'王72 李72' -> (('王', 72), ('李', 72))"""
    pairs = re.findall(r"(\D+?)(\d+)", text.replace(" ", ""))
    return tuple((word, int(weight)) for word, weight in pairs)


SURNAMES = weighted_words(
    "王72 李72 张68 刘54 陈46 杨31 黄23 赵22 吴20 周19 徐17 孙15 马15 朱14 胡13 郭12 何12 "
    "高11 林11 罗10 郑10 梁9 谢8 宋8 唐8 许7 韩7 冯7 邓7 曹6 彭6 曾6 肖6 田5 董5 袁5 潘5 于5 "
    "蒋5 蔡5 余5 杜4 叶4 程4 苏4 魏4 吕4 丁4 任4 沈4 姚4 卢4 姜3 崔3 钟3 谭3 陆3 汪3 范3 "
    "金3 石3 廖3 贾3 夏3 付3 方3 邹2 熊2 白2 孟2 秦2 邱2 江2 尹2 薛2 段2 雷2 侯2 龙2 史2 "
    "陶2 黎2 贺2 顾2 毛2 郝2 龚2 邵2 万2 钱2 严2 戴2 孔1 向1 汤1 俞1 章1 柳1 葛1 欧阳1 上官1"
)

# Given names by era and gender: people born before 1980 were named differently from those
# born later.
GIVEN_OLDER_FEMALE = words(
    "秀英 桂英 玉兰 红梅 丽华 春燕 海燕 丽娟 美玲 晓红 晓燕 雪梅 凤英 玉珍 金凤 淑珍 丽萍 "
    "秀兰 雅琴 慧敏 建英 文静 志红 春梅 艳华 爱华 国英 美华 素芳 月娥 巧玲 桂芳 小琴 丽君"
)
GIVEN_OLDER_MALE = words(
    "建国 建华 国强 志强 卫东 建军 海波 志刚 永明 国庆 文斌 建平 立新 德明 振华 伟民 红兵 "
    "海涛 学军 明辉 志勇 建伟 国平 新华 永刚 金龙 春林 庆华 俊杰 跃进 长青 利民 向东 雪松"
)
GIVEN_YOUNGER_FEMALE = words(
    "婷婷 丹丹 倩倩 璐璐 莉莉 琳琳 娜娜 佳佳 思思 晓雯 雅婷 静怡 佳慧 晨曦 欣然 梦瑶 雪莹 "
    "思雨 雨欣 心怡 佳怡 诗雨 梦婷 文婷 嘉欣 一丹 晓琳 春晓 明月 佩瑶 若彤 宇琪 舒畅 怡然"
)
GIVEN_YOUNGER_MALE = words(
    "浩然 子豪 宇航 俊杰 浩宇 明轩 文博 天宇 博文 一鸣 志远 思远 嘉豪 泽宇 家豪 晨阳 鹏飞 "
    "振宇 志豪 晓东 宏伟 伟杰 建宇 明哲 昊天 嘉伟 凯文 子健 俊熙 亦凡 雨泽 晓峰 子恒 逸飞"
)
# Two-character names are also composed from a first and a second character that go together.
COMPOSE = {
    ("older", "female"): ("秀玉桂丽春美淑月凤金", "英兰芳华梅珍萍娥琴霞"),
    ("older", "male"): ("建国志永卫海德文立振", "华明平军强林刚民新东"),
    ("younger", "female"): ("晓雅佳思欣雨梦诗静嘉", "婷琳雯怡萱彤妍璐悦洁"),
    ("younger", "male"): ("浩子宇俊志嘉文明博家", "轩杰豪航远鸣辰阳涛斌"),
}
SINGLE_FEMALE = "芳敏静丽燕娟霞玲婷雪慧颖琳洁倩萍红梅琴蕾晶欣怡佳雯璐瑶悦琪妍"
SINGLE_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁峰睿博昊"

# Place words for school names.
CITY_AREAS = words("城东 城南 城西 城北 江滨 文昌 凤凰 东湖 南苑 新城")
CITY_ROADS = words(
    "解放路 人民路 中山路 文化路 学府路 育才路 春晖路 丰乐路 清风路 明德路 建设路 湖滨路"
)
CITY_WORDS = words("实验 育才 启明 崇文 明德 求是 新华 外国语")
TOWNS = words("青石 柳塘 白沙 双桥 梅溪 桃源 龙泉 松林 临江 石湾 枫桥 溪口")
VILLAGES = words("杨家 竹园 长岭 沙湾 花园 上塘 下洋 大坪 南山 新塘 荷花 石门 高桥 李村 东岙 西坑")
NUMERALS = "一二三四五六七八九十"
GROUP_AREAS = words("东部 西部 南部 北部 中部 沿江")
