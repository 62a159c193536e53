"""The sales scenario, driven through a client generated from the OpenAPI document.

Create a sandbox bot, chat with it as a customer until the lead qualifies, find the lead in
the listing, assign it to a member, and reply to the customer as that agent.
"""

import json
import os
import sys
import uuid

from wabot_client import AuthenticatedClient
from wabot_client.api.bots import create_bot
from wabot_client.api.leads import assign_lead, list_leads, reply_to_lead
from wabot_client.api.sandbox import sandbox_send
from wabot_client.api.workspaces import list_members, list_workspaces
from wabot_client.models import AgentReply, Assignment, CreateBot, CustomerMessage, PacingBody


def check(response, status):
    if response.status_code != status:
        sys.exit(f"expected {status}, got {response.status_code}: {response.content!r}")
    return response.parsed


client = AuthenticatedClient(
    base_url=os.environ["WABOT_URL"], token=os.environ["WABOT_TOKEN"], timeout=60
)

def raw(response, status):
    """The JSON body, for operations whose models the generator skips."""
    if response.status_code != status:
        sys.exit(f"expected {status}, got {response.status_code}: {response.content!r}")
    body = json.loads(response.content)
    return body["items"] if isinstance(body, dict) and "items" in body else body


workspace_id = uuid.UUID(raw(list_workspaces.sync_detailed(client=client), 200)[0]["id"])

bot = check(
    create_bot.sync_detailed(
        client=client,
        body=CreateBot(
            workspace_id=workspace_id,
            name="Generated-client bot",
            prompt="You sell solar panels and collect the customer's details.",
            enabled=True,
            pacing=PacingBody(base_ms=0, per_char_ms=0, max_ms=0, jitter=0.0),
        ),
    ),
    201,
)
print(f"created bot {bot.id}")

contact = "34655512345@c.us"
lead = None
for text in [
    "Hello, I'd like a quote for panels on my roof",
    "I'm Carla Gomez",
    "carla.gomez@example.com",
    "+34 655 512 345",
]:
    conversation = check(
        sandbox_send.sync_detailed(
            bot.id, client=client, body=CustomerMessage(contact=contact, text=text)
        ),
        200,
    )
    lead = conversation.lead
    print(f"customer: {text!r} -> bot: {conversation.messages[-1].body!r}")
    if lead is not None and str(lead.status.value) in ("qualified", "assigned"):
        break
else:
    sys.exit(f"the lead did not qualify: {lead}")
print(f"lead {lead.id} is {lead.status.value}")

page = check(list_leads.sync_detailed(client=client, bot_id=bot.id), 200)
assert any(item.id == lead.id for item in page.items), "the lead is listed"

member = raw(list_members.sync_detailed(workspace_id, client=client), 200)[0]
assigned = check(
    assign_lead.sync_detailed(
        lead.id, client=client, body=Assignment(user_id=uuid.UUID(member["user_id"]))
    ),
    200,
)
assert str(assigned.status.value) == "assigned", assigned.status

reply = check(
    reply_to_lead.sync_detailed(
        lead.id, client=client, body=AgentReply(body="Hi Carla, I'll send your quote today.")
    ),
    201,
)
assert reply.sender == "agent", reply.sender
print("scenario passed: bot created, lead qualified, listed, assigned and answered by an agent")
