"""A small topic taxonomy (English and Japanese) shared by the model tests."""

from __future__ import annotations

from koe.config import Topic

TAXONOMY = (
    Topic(name="delivery", description="Shipping, delivery times, couriers and damaged parcels",
          description_ja="配送、配達の遅れ、梱包",
          examples=("My order still hasn't arrived", "The package came crushed")),
    Topic(name="billing", description="Charges, invoices, refunds and payment problems",
          description_ja="請求、返金、支払い",
          examples=("I was charged twice", "Still waiting for my refund")),
    Topic(name="app", description="The mobile app: crashes, login and bugs",
          description_ja="アプリの不具合、ログイン",
          examples=("The app keeps crashing on startup",)),
)
