import { Route, Routes } from "react-router";
import { DeskPersonPage } from "./DeskPersonPage.js";
import { DeskSearch } from "./DeskSearch.js";
import "./desk.css";

/** The case-worker desk: find a person of one's region (/desk), open their file (/desk/person/:idcs). */
export default function DeskPage() {
  return (
    <Routes>
      <Route index element={<DeskSearch />} />
      <Route path="person/:idcs" element={<DeskPersonPage />} />
    </Routes>
  );
}
