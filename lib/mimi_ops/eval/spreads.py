"""The spreads as public.spreads defines them (0021), for measuring prompts without a database.

tests/ops/eval/test_run.py checks this copy against the table.
"""

from __future__ import annotations

from mimi.agent.prompt import Position, Spread


def _spread(spread_id: str, keys: str, th: str, en: str) -> Spread:
    return Spread(
        spread_id,
        tuple(
            Position(*parts)
            for parts in zip(keys.split(","), th.split(","), en.split(","), strict=True)
        ),
    )


SPREADS: dict[str, Spread] = {
    s.id: s
    for s in (
        _spread("single", "answer", "คำตอบ", "The answer"),
        _spread("three", "past,present,future", "อดีต,ปัจจุบัน,อนาคต", "Past,Present,Future"),
        _spread(
            "five",
            "situation,obstacle,hidden_influence,advice,outcome",
            "สถานการณ์ปัจจุบัน,อุปสรรค,อิทธิพลที่ซ่อนอยู่,คำแนะนำ,ผลลัพธ์",
            "Situation,Obstacle,Hidden influence,Advice,Outcome",
        ),
        _spread(
            "love",
            "you,them,bond,obstacle,direction",
            "ตัวคุณ,อีกฝ่าย,ความสัมพันธ์,อุปสรรค,ทิศทางข้างหน้า",
            "You,Them,The bond,The obstacle,Where it goes",
        ),
        _spread(
            "celtic_cross",
            "present,challenge,foundation,past,goal,near_future,self,environment,hopes_fears,outcome",
            "สถานการณ์ปัจจุบัน,สิ่งที่ท้าทาย,รากฐาน,อดีตที่ผ่านมา,เป้าหมาย,อนาคตอันใกล้,ตัวคุณ,สิ่งแวดล้อมรอบตัว,"
            "ความหวังและความกลัว,ผลลัพธ์",
            "Present,Challenge,Foundation,Recent past,Goal,Near future,Self,Environment,Hopes and fears,Outcome",
        ),
        _spread("daily", "today", "ไพ่ประจำวันนี้", "Today"),
        _spread("follow_up", "clarifier", "ไพ่ขยายความ", "Clarifying card"),
    )
}
