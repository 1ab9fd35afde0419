"""The app: created here, pages added here; nothing else."""

import reflex as rx

from rxapp import models  # noqa: F401 - registers every table on SQLModel.metadata



def index():
    return rx.heading("Member Center")


app = rx.App()
app.add_page(index)
