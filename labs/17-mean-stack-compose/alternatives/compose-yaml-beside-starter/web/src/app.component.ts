import { Component, OnInit } from '@angular/core';
import { HttpClient } from '@angular/common/http';
import { FormsModule } from '@angular/forms';

interface Note {
  _id: string;
  text: string;
}

/** One page: the notes the API holds, and a field to add one. */
@Component({
  selector: 'mean-root',
  standalone: true,
  imports: [FormsModule],
  template: `
    <h1>MEAN lab notes</h1>
    <form (ngSubmit)="add()">
      <input name="text" [(ngModel)]="text" placeholder="A new note">
      <button type="submit">Add</button>
    </form>
    <ul>
      @for (note of notes; track note._id) {
        <li>{{ note.text }}</li>
      }
    </ul>
  `,
})
export class AppComponent implements OnInit {
  notes: Note[] = [];
  text = '';

  constructor(private readonly http: HttpClient) {}

  ngOnInit(): void {
    this.load();
  }

  load(): void {
    this.http.get<Note[]>('/api/notes').subscribe((notes) => (this.notes = notes));
  }

  add(): void {
    if (!this.text.trim()) return;
    this.http.post<Note>('/api/notes', { text: this.text }).subscribe(() => {
      this.text = '';
      this.load();
    });
  }
}
