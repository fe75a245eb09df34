"""A deterministic support agent: reads the policy (system prompt) and the customer's message,
calls tools on a small in-memory order book, and returns its whole answer: the reply, the tool
calls it made and a trace of each step."""

import re
import time

ORDERS = {
    "A1": {"status": "shipped", "eta": "tomorrow", "damaged": False},
    "B2": {"status": "delivered", "eta": None, "damaged": True},
    "C3": {"status": "delayed", "eta": "next week", "damaged": False},
}


def lookup_order(order_id):
    return ORDERS.get(order_id, {"status": "unknown"})


def issue_refund(order_id, reason):
    return {"refunded": order_id, "reason": reason}


def escalate(reason):
    return {"ticket": "T-100", "reason": reason}


TOOLS = {"lookup_order": lookup_order, "issue_refund": issue_refund, "escalate": escalate}


class Run:
    def __init__(self):
        self.calls, self.trace = [], []

    def call(self, name, **arguments):
        started = time.perf_counter()
        self.calls.append({"id": f"call_{len(self.calls) + 1}", "name": name, "arguments": arguments})
        result = TOOLS[name](**arguments)
        took = round((time.perf_counter() - started) * 1000, 3)
        self.trace.append({"type": "tool_call", "name": name, "input": arguments, "duration_ms": took})
        self.trace.append({"type": "tool_result", "name": name, "output": result})
        return result

    def answer(self, text):
        self.trace.append({"type": "message", "name": "reply", "output": text})
        return {"output": text, "tool_calls": self.calls, "trace": self.trace}


def run(messages, context):
    policy = " ".join(m["content"] for m in messages if m["role"] == "system").lower()
    request = messages[-1]["content"]
    found = re.search(r"\b([A-Z]\d)\b", request)
    order_id = found.group(1) if found else None
    agent = Run()
    if re.search(r"human|manager|third time", request, re.I):
        agent.call("escalate", reason="customer asked for a person")
        return agent.answer("I've passed this to a colleague; ticket T-100.")
    if order_id is None:
        return agent.answer("Could you tell me your order number?")
    if "refund first" in policy:  # an over-eager policy: refunds before looking anything up
        agent.call("issue_refund", order_id=order_id, reason="customer contact")
        return agent.answer(f"I've refunded order {order_id}.")
    order = agent.call("lookup_order", order_id=order_id)
    if order.get("damaged") and re.search(r"refund|broken|damaged", request, re.I):
        agent.call("issue_refund", order_id=order_id, reason="damaged")
        return agent.answer(f"Order {order_id} arrived damaged, so I've refunded it.")
    eta = f", arriving {order['eta']}" if order.get("eta") else ""
    return agent.answer(f"Order {order_id} is {order['status']}{eta}.")
